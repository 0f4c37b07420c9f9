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


# Final grades: results, awards, pay, training plans and their exports (graders.exports).
LABELS.update({
    "results": ("Results", "考核结果"),
    "final_score": ("Final score", "最终得分"),
    "computed_score": ("Computed score", "计算得分"),
    "score": ("Score", "得分"),
    "band": ("Grade band", "等级"),
    "rank_team": ("Rank in team", "团队排名"),
    "rank_company": ("Rank in company", "公司排名"),
    "team_size": ("Graded in team", "团队参评人数"),
    "grade_status": ("Result status", "结果状态"),
    "complete": ("complete", "完整"),
    "incomplete": ("incomplete", "不完整"),
    "missing": ("Missing components", "缺失项"),
    "insufficient": ("Insufficient components", "证据不足项"),
    "overridden": ("Overridden", "已人工调整"),
    "scheme": ("Scheme", "考核方案"),
    "scheme_version": ("Scheme version", "方案版本"),
    "award": ("Award", "奖励"),
    "awards": ("Awards", "奖励"),
    "individual_award": ("Outstanding after-sales service person", "优秀售后服务人员"),
    "team_award": ("Outstanding after-sales team", "优秀售后服务团队"),
    "promotion": ("Promotion signal", "晋升信号"),
    "corrective": ("Corrective action", "改进措施"),
    "actions": ("Promotion and coaching", "晋升与改进"),
    "kind": ("Kind", "类别"),
    "rank": ("Rank", "名次"),
    "reason": ("Reason", "原因"),
    "pay": ("Performance pay", "绩效工资"),
    "kpi": ("KPI value", "KPI值"),
    "reference_pay": ("Last-month average pay", "上月平均工资"),
    "base_coefficient": ("Base coefficient", "基本系数"),
    "performance_coefficient": ("Performance coefficient", "绩效系数"),
    "base_pay": ("Base pay", "基本工资"),
    "performance_pay": ("Performance pay", "绩效工资"),
    "total_pay": ("Actual pay", "实际工资"),
    "training": ("Training plans", "培训计划"),
    "competency": ("Competency", "能力项"),
    "team_mean": ("Team mean", "团队平均"),
    "modules": ("Course modules", "课程模块"),
    "due_on": ("Due", "截止日期"),
    "follow_up": ("Follow-up by", "跟进日期"),
    "component": ("Component", "考核项"),
    "components": ("Components", "考核项"),
    "weight": ("Weight", "权重"),
    "weight_used": ("Weight used", "实际权重"),
    "contribution": ("Contribution", "贡献分"),
    "n": ("Ratings", "评分数"),
    "theory": ("Theory exam", "理论考试"),
    "practical": ("Practical exam", "实践操作"),
    "peer": ("Peer review", "同事互评"),
    "self": ("Self-assessment", "自我评估"),
    "customer": ("Customer satisfaction", "客户满意度"),
    "key_behaviour": ("Key-behaviour score", "关键行为得分"),
    "supervisor_review": ("Supervisor review", "上级评估"),
    "checks": ("Checks", "检查"),
    "grade_history": ("Grade history of cycle", "考核成绩变更记录"),
    "when": ("When", "时间"),
    "by": ("By", "操作人"),
    "action": ("Action", "操作"),
    "field": ("Field", "字段"),
    "before": ("Before", "变更前"),
    "after": ("After", "变更后"),
    "change": ("Change", "变化"),
})

# Courses (`academy course list`).
LABELS.update({
    "course_module": ("Course / module", "课程 / 单元"),
    "title": ("Title", "标题"),
    "competencies": ("Competencies", "能力项"),
    "minutes": ("Minutes", "分钟"),
    "languages": ("Languages", "语言"),
    "lang_en": ("English", "英文"),
    "lang_zh": ("Chinese", "中文"),
})
