"""The platform for a department: JupyterHub with an account per staff member.

`academy hub` (academy.cli_hub) starts JupyterHub and its proxy on a home; this package holds the
pieces, one concept per module:

* `settings`  the hub's typed settings (`hub/settings.yaml` in the home)
* `passwords` hashed passwords (argon2) with lock-out after repeated failures
* `accounts`  roster -> hub users and operating-system accounts; the home's file modes
* `auth`      the JupyterHub Authenticator (roster + passwords; inactive people refused)
* `spawner`   LocalProcessSpawner as each person's own OS account, identity set by the hub
* `config`    the jupyterhub_config.py logic (services, roles, culler, proxy, database)
* `sync`      the hub service that keeps hub users and OS accounts in step with the roster
* `voila`     the dashboards as a hub service, viewer taken from the hub's OAuth identity
* `z2jh`      a Zero to JupyterHub values.yaml from the same settings
* `bench`     `academy bench hub`
"""
