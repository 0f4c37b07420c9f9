"""Keep the hub in step with the roster: run by the hub as the service `academy-sync`, and once by
`academy hub` before the hub starts (and by `academy hub sync`).

Each round: every person who may sign in has an unlocked OS account; the service accounts exist;
the home's file modes are right (files the trainers' commands made as root become the grader's);
the employee id -> account map for the exchange's ownership check is current; and every hub user
who may no longer sign in (made inactive by a roster import, or removed from the trainers) has
their server stopped, their hub user deleted (which ends every cookie and token they hold) and
their OS account locked, with their processes ended.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from academy.hub import accounts
from academy.hub.settings import HubSettings, load_hub_settings


def prepare(home, settings: HubSettings) -> dict[str, accounts.Person]:
    """Accounts, file modes and the account map; returns who may sign in now."""
    accounts.require_root()
    accounts.ensure_service_account(accounts.grader_account(settings))
    accounts.ensure_service_account(accounts.dash_account(settings),
                                    groups=[accounts.grader_account(settings)])
    people = accounts.wanted_people(home, settings)
    for p in people.values():
        accounts.ensure_person_account(accounts.os_name(settings, p.name))
    accounts.write_accounts_map(home, settings, people)
    for msg in accounts.secure_home(home, settings):
        print(f"academy-sync: submission set aside: {msg}", flush=True)
    return people


def _api(method: str, path: str) -> object:
    url = os.environ["JUPYTERHUB_API_URL"].rstrip("/") + path
    req = urllib.request.Request(url, method=method, headers={
        "Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def revoke_departed(settings: HubSettings, people: dict) -> list[str]:
    """Stop and delete hub users who may no longer sign in; lock their accounts."""
    gone = []
    for user in _api("GET", "/users") or []:
        name = user["name"]
        if name in people:
            continue
        if user.get("server") or any(s.get("ready") or s.get("pending")
                                     for s in (user.get("servers") or {}).values()):
            try:
                _api("DELETE", f"/users/{name}/server")
            except Exception:  # noqa: BLE001 - deleting the user below stops it too
                pass
        for _ in range(60):
            try:
                _api("DELETE", f"/users/{name}")
                break
            except urllib.error.HTTPError as exc:  # 400 while the server is still stopping
                if exc.code == 404:
                    break
                time.sleep(1)
        accounts.lock_person_account(accounts.os_name(settings, name))
        gone.append(name)
    return gone


def run_round(home_root: Path) -> tuple[int, list[str]]:
    from core.home import open_home

    with open_home(home_root, upgrade=False) as home:
        settings = load_hub_settings(home_root)
        people = prepare(home, settings)
        gone = revoke_departed(settings, people) if "JUPYTERHUB_API_TOKEN" in os.environ else []
        return len(people), gone


def main(argv: list[str] | None = None) -> None:
    import urllib.error  # noqa: F401

    parser = argparse.ArgumentParser(description="keep the hub in step with the roster")
    parser.add_argument("--home", required=True)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    root = Path(args.home)
    while True:
        try:
            n, gone = run_round(root)
            if gone:
                print(f"academy-sync: access ended for {', '.join(gone)}", flush=True)
        except Exception as exc:  # noqa: BLE001 - a service keeps going; the next round retries
            print(f"academy-sync: {exc}", flush=True)
        if args.once:
            return
        time.sleep(load_hub_settings(root).sync_seconds)


if __name__ == "__main__":
    main()
