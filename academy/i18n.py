"""User-facing labels in English and Simplified Chinese, chosen by the home's locale setting."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "employee_id": ("Employee ID", "工号"),
    "name": ("Name", "姓名"),
    "team": ("Team", "团队"),
    "role": ("Role", "岗位"),
    "supervisor": ("Supervisor", "上级"),
    "hire_date": ("Hire date", "入职日期"),
    "active": ("Active", "在职"),
    "region": ("Region", "区域"),
    "cycle": ("Cycle", "考核周期"),
    "opens_on": ("Opens", "开始日期"),
    "closes_on": ("Closes", "结束日期"),
    "status": ("Status", "状态"),
    "open": ("open", "进行中"),
    "closed": ("closed", "已关闭"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "roster": ("Roster", "员工名册"),
    "cycles": ("Assessment cycles", "考核周期"),
    "staff_count": ("staff", "人"),
}


def t(key: str, locale: str = "en") -> str:
    """The label for `key` in `locale` ('en' or 'zh'); the key itself if none is defined."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if locale == "zh" else pair[0]
