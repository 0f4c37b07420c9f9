"""Content checks that catch what a reader would: options that are fragments of one answer (the
YAML flow-list comma pitfall) in exam banks and self-checks, and right answers that always sit on
the same letter in self-checks and conversation practice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from core.errors import ProblemsError
from core.option_checks import fragments, letter_counts, spread_orders, uneven
from graders.exam.bank import load_bank
from tests.conftest import run_academy
from training import widgets
from training.catalog import courses_dir, load_courses
from training.check import check_courses
from training.conversation import Scenario

ROOT = Path(__file__).resolve().parent.parent
BANKS = sorted((ROOT / "assessments" / "banks").glob("*.yaml"))

BANK = """\
name: thermo
title: Thermostat
language: en
questions:
  - id: s03
    type: single
    stem: An O5 shows E7 for the second time this week. You...
    options: {options}
    key: A
    points: 1
    competency: problem_solving
"""
SPLIT = "[Switch off, refill, reset, and replace the thermostat, Bypass the thermostat, Leave]"
QUOTED = '["Switch off, refill, reset, and replace the thermostat", Bypass the thermostat, Leave]'


@pytest.mark.parametrize("options, reason", [
    (["Switch off", "refill", "reset", "and replace the thermostat", "Leave"], "starts with 'and'"),
    (["Check the inlet", "open the valve", "measure TDS", "Replace the pump"], "lower case"),
    (["关机", "并更换温控器", "重启后离开"], "joining word"),
])
def test_are_options_that_are_pieces_of_one_answer_flagged(options, reason):
    """Does the checker flag an option list whose items continue one another, in English and
    Chinese, and say how to write the list?"""
    found = fragments(options)
    assert found and reason in found and "quotes" in found


@pytest.mark.parametrize("options", [
    ["Every 6 months", "Every 12 months", "Every 24 months", "Never"],
    ["H1", "H2 Pro", "C3", "O5"],
    ["6 个月", "12 个月", "24 个月", "36 个月"],
    ["Listen and let them finish", "Hang up", "Transfer to a colleague", "Argue"],
    ["pH below 6.5", "TDS above 90", "E1"],
])
def test_are_ordinary_option_lists_left_alone(options):
    """Are usual option lists (model names, units, sentences with 'and' inside) not flagged?"""
    assert fragments(options) is None


def test_does_exam_build_refuse_a_split_answer_and_accept_the_quoted_one(tmp_path):
    """Does `academy exam build` reject a bank whose flow list split the right answer at its
    commas, naming file, line and field, with no traceback, and build the quoted version?"""
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    bad = tmp_path / "thermo.yaml"
    bad.write_text(BANK.format(options=SPLIT), encoding="utf-8")
    proc = run_academy("exam", "build", str(bad), home=home)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert 'thermo.yaml, line 8, field "questions[1].options"' in proc.stderr
    assert "'and replace the thermostat'" in proc.stderr
    assert not (home / "course" / "source" / "thermo").exists()
    bad.write_text(BANK.format(options=QUOTED), encoding="utf-8")
    ok = run_academy("exam", "build", str(bad), home=home)
    assert ok.returncode == 0, ok.stderr
    assert load_bank(bad).questions[0].options[0] == \
        "Switch off, refill, reset, and replace the thermostat"


def test_do_the_demo_banks_pass_and_is_s03_one_whole_answer():
    """Do both demo banks pass the checks, and is the right answer of s03 the whole procedure?"""
    banks = {load_bank(p).name: load_bank(p) for p in BANKS}
    for bank in banks.values():
        assert all(fragments(q.options) is None for q in bank.questions if q.options)
    s03 = banks["aquapure-service-basics"].by_id["s03"]
    assert len(s03.options) == 4
    assert s03.options[min(s03.key_options)] == \
        "Switch off, refill, reset, and replace the thermostat"


def test_does_course_check_flag_a_self_check_with_split_options(tmp_path):
    """Does `course check` pass the demo courses and flag a self-check whose options were split
    at commas, naming the file and the question?"""
    check_courses()  # the demo courses pass
    root = tmp_path / "courses"
    shutil.copytree(courses_dir(), root)
    path = root / "teamwork" / "01_handover.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    q = data["self_check"][0]
    q["options"] = [{"en": "Write down the fault", "zh": "记下故障"},
                    {"en": "call the customer", "zh": "并打电话给客户"},
                    {"en": "and close the ticket", "zh": "并关闭工单"}] + q["options"][:1]
    q["answer"] = 0
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ProblemsError) as err:
        check_courses(root)
    text = str(err.value) + " ".join(p.message for p in err.value.problems)
    assert "01_handover.yaml" in text and f"self_check.{q['id']}.options" in text
    assert "'and close the ticket'" in text


def test_do_spread_orders_put_the_right_answers_on_different_letters():
    """Does every seed give an order where the right answers spread over the letters, keep each
    question's options complete, and give the same order for the same seed?"""
    items = [(3, 1), (3, 1), (3, 1), (4, 1), (3, 0), (2, 1)]
    for seed in (f"00{i:04d}|teamwork|01_handover|self_check" for i in range(200)):
        orders = spread_orders(items, seed)
        assert [sorted(o) for o in orders] == [list(range(n)) for n, _ in items]
        positions = [o.index(k) for o, (_, k) in zip(orders, items)]
        assert uneven(positions, 2) is None, (seed, positions)
        assert orders == spread_orders(items, seed)
    starts = {tuple(spread_orders(items, f"t{i}")[0]) for i in range(30)}
    assert len(starts) > 1  # trainees do not all see the same order
    assert uneven([1, 1, 1, 1], 3) and uneven([0, 0, 0], 3)
    assert uneven([0, 1, 2, 0], 3) is None


@pytest.mark.parametrize("trainee", ["001001", "001002", "002345", "tester"])
def test_are_the_right_answers_of_every_demo_practice_spread_for_each_trainee(trainee):
    """For every demo module, as a trainee sees it: are the self-check's right answers spread over
    the letters, and is the best reply of a conversation not on the same letter every turn?"""
    checked = 0
    for course in load_courses():
        for module in course.modules:
            content = module.content()
            seed = f"{trainee}|{course.id}|{module.id}"
            sc = widgets.SelfCheck(content.self_check, order_seed=seed + "|self_check")
            positions = [[v for _, v in item.options.options].index(item.question.answer)
                         for item in sc.items]
            assert uneven(positions, 3) is None, (module.id, letter_counts(positions))
            for pid, item in content.practice.items():
                if not isinstance(item, Scenario):
                    continue
                sim = widgets.ConversationSim(item, order_seed=f"{seed}|{pid}")
                best_letters = []
                for name, turn in item.turns.items():
                    if len(turn.replies) < 2:
                        continue
                    best = max(range(len(turn.replies)),
                               key=lambda i, t=turn: sum(t.replies[i].scores.values()))
                    best_letters.append(sim.orders[name].index(best))
                assert len(set(best_letters)) > 1, (module.id, pid, best_letters)
                checked += 1
    assert checked == 4  # the four conversation scenarios


def test_does_a_lettered_reply_button_answer_with_its_own_reply():
    """With a shuffled order, does pressing the button lettered A give the reply shown beside
    it (not the first reply of the file)?"""
    course = next(c for c in load_courses() if c.id == "communication")
    content = course.module("01_listening").content()
    scenario = content.practice["waste_water"]
    for i in range(10):
        sim = widgets.ConversationSim(scenario, order_seed=f"t{i}")
        first_shown = sim.orders[scenario.start][0]
        expected = scenario.turns[scenario.start].replies[first_shown]
        assert sim.reply_buttons[0].description == "A"
        sim.reply_buttons[0].click()
        assert sim.conversation.chosen == [expected]
