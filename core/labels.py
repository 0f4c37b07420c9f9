"""Every user-facing label in English and Simplified Chinese: ONE table, `LABELS`, and ONE lookup, `t`.

The command line, the dashboards, the evidence forms, the workbook and exports, the exam
notebooks and the courses all read their words here. A key is plain (`"team"`) where one wording
serves every place; a place that words a label its own way keeps it under a scope
(`"dashboard:ok"`, `"form:person"`), and `t(key, locale, scope)` reads the scoped entry first,
then the plain one, then gives the key itself. `section(scope)` lists one scope's labels by
their short keys. tests/test_labels.py checks that every entry has both languages, the Chinese
without English words and the English without Chinese.
"""

from __future__ import annotations

from collections.abc import Callable

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


def t(key: str, locale: str = "en", scope: str | None = None) -> str:
    """The label for `key` in `locale` ('en' or 'zh'): `scope`'s own wording first, then the plain
    key's; the key itself if none is defined."""
    pair = LABELS.get(f"{scope}:{key}") if scope else None
    if pair is None:
        pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if locale == "zh" else pair[0]


def scoped(scope: str) -> Callable[..., str]:
    """`t` with `scope` given: what a module with wording of its own calls, `_t(key, locale)`."""
    def lookup(key: str, locale: str = "en") -> str:
        return t(key, locale, scope)
    return lookup


def section(scope: str) -> dict[str, tuple[str, str]]:
    """The labels kept under `scope`, by their short keys: {key: (english, chinese)}."""
    prefix = f"{scope}:"
    return {k[len(prefix):]: v for k, v in LABELS.items() if k.startswith(prefix)}


def words(scope: str, locale: str = "en") -> dict[str, str]:
    """The labels kept under `scope` in one language, by their short keys (headers to rename a
    table's columns with, a notebook's texts)."""
    return {k: pair[1] if locale == "zh" else pair[0] for k, pair in section(scope).items()}


# Final grades: results, awards, pay, training plans and their exports (graders.results.exports).
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


# Service operations: tickets, commitments, operational KPIs, monthly pay (graders.service_kpis.kpis*).
LABELS.update({
    "operations": ("Service operations", "服务运营"),
    "month": ("Month", "月份"),
    "ticket_id": ("Ticket", "工单号"),
    "channel": ("Channel", "服务方式"),
    "hotline": ("hotline", "热线"),
    "remote": ("remote", "远程"),
    "on_site": ("on site", "上门"),
    "customer_name": ("Customer", "客户"),
    "tickets": ("Tickets", "工单数"),
    "closed_tickets": ("Closed (throughput)", "结单数（处理量）"),
    "open_at_month_end": ("Open at month end", "月末未结"),
    "response_rate": ("Responded within target", "按时响应率"),
    "arrival_rate": ("On site within target", "按时到场率"),
    "fix_rate": ("Fault cleared within target", "按时排障率"),
    "response_avg_minutes": ("Average response (min)", "平均响应时间（分钟）"),
    "response_p90_minutes": ("90th percentile response (min)", "响应时间90分位（分钟）"),
    "handling_avg_hours": ("Average handling (h)", "平均处理时长（小时）"),
    "handling_p90_hours": ("90th percentile handling (h)", "处理时长90分位（小时）"),
    "fcr_rate": ("First-contact resolution", "一次解决率"),
    "throughput": ("Throughput", "处理量"),
    "complaints": ("Complaints", "投诉数"),
    "complaint_rate": ("Complaint rate", "投诉率"),
    "complaint_resolution_rate": ("Complaint resolution rate", "投诉解决率"),
    "repeats": ("Repeat calls or visits", "重复报修"),
    "repeat_rate": ("Repeat rate", "重复报修率"),
    "survey_rate": ("Surveys sent", "回访率"),
    "commitment": ("Commitment", "服务承诺"),
    "response": ("respond within target", "按时响应"),
    "arrival": ("on site within target", "按时到场"),
    "fix": ("fault cleared within target", "按时排障"),
    "late": ("late", "超时"),
    "not yet": ("not yet, deadline passed", "未完成且已超时"),
    "reported_at": ("Repair call", "报修时间"),
    "clock_start": ("Clock starts", "计时开始"),
    "clock_stop": ("Clock stops", "计时结束"),
    "target": ("Target", "目标"),
    "elapsed": ("Took", "用时"),
    "unit": ("Unit", "单位"),
    "minutes": ("minutes", "分钟"),
    "hours": ("hours", "小时"),
    "breaches": ("Missed commitments", "未达成的服务承诺"),
    "monthly_pay": ("Monthly performance pay", "月度绩效工资"),
    "kpi_items": ("KPI items", "KPI指标"),
    "metric": ("Metric", "指标"),
    "group": ("Group", "类别"),
    "timeliness": ("timeliness", "及时性"),
    "effectiveness": ("effectiveness", "有效性"),
    "compliance": ("compliance", "合规性"),
    "actual": ("Actual", "实际值"),
    "achievement": ("Achievement", "达成率"),
    "no_data": ("no tickets", "无工单"),
    "ok": ("ok", "正常"),
    "revise": ("revise the scheme", "需修订方案"),
    "staff": ("Staff", "人数"),
    "below_one": ("KPI below 1", "KPI低于1"),
    "share": ("Share", "占比"),
    "level": ("Level", "级别"),
    "message": ("Message", "说明"),
    "pay_checks": ("Scheme health check", "方案合理性检查"),
    "operations_title": ("Service operations by month", "服务运营月度指标"),
    "my_operations": ("My service operations", "我的服务运营指标"),
    "operations_trend": ("Commitments met and first-contact resolution by month (%)",
                         "服务承诺达成率与一次解决率（按月，%）"),
    "all_teams": ("All my teams", "我的全部团队"),
    "no_breaches": ("No missed commitments this month.", "本月无未达成的服务承诺。"),
    "no_kpi_items": ("The role schemes have no KPI items: no monthly pay.",
                     "考核方案未设置KPI指标，不计算月度绩效工资。"),
    "pay_formula": ("Actual pay = base pay (last-month average pay x base coefficient) + performance "
                    "pay (last-month average pay x (1 - base coefficient) x KPI value); the "
                    "scheme's reference pay stands in for last month's average pay.",
                    "实际工资 = 基本工资（上月平均工资 × 基本系数）+ 绩效工资（上月平均工资 × "
                    "（1 − 基本系数）× KPI值）；上月平均工资取考核方案中的参考工资。"),
    "health_line": ("{role}: {below} of {staff} staff ({share}) have a KPI value below 1.",
                    "{role}：{staff}人中有{below}人（{share}）KPI值低于1。"),
    "revise_scheme": ("At least 80%: the KPI scheme is unreasonable and must be revised.",
                      "达到80%及以上：KPI方案不合理，必须修订。"),
})

# Courses (`academy course list`).
LABELS.update({
    "course_module": ("Course / module", "课程 / 单元"),
    "title": ("Title", "标题"),
    "competencies": ("Competencies", "能力项"),
    "course_minutes": ("Minutes", "分钟"),
    "languages": ("Languages", "语言"),
    "lang_en": ("English", "英文"),
    "lang_zh": ("Chinese", "中文"),
})

# Penalties, career paths and recognition (graders.ladder.violations, graders.ladder.careers, graders.ladder.recognition).
LABELS.update({
    "violations": ("Violations", "违规记录"),
    "violation_id": ("Violation", "违规编号"),
    "violation_type": ("Type", "违规类型"),
    "violation_types": ("Violation types", "违规类型"),
    "start_level": ("Starts at", "起始级别"),
    "ladder": ("Warning ladder", "警告阶梯"),
    "occurred_on": ("Date", "发生日期"),
    "warning_level": ("Warning level", "警告级别"),
    "evidence": ("Evidence", "证据"),
    "details": ("Details", "详情"),
    "violation_standing": ("Open violations and warning level", "未结违规与警告级别"),
    "open_violations": ("Open violations", "未结违规数"),
    "plans_due": ("Corrective plans due", "到期的改进计划"),
    "plan_goal": ("Corrective plan", "改进计划"),
    "overdue_days": ("Days overdue", "逾期天数"),
    "vstate_open": ("open, no plan yet", "未结（尚无改进计划）"),
    "vstate_plan": ("corrective plan running", "改进计划进行中"),
    "vstate_closed": ("closed (plan met)", "已结（计划达成）"),
    "vstate_voided": ("voided", "已撤销"),
    "vstep_recorded": ("recorded", "登记"),
    "vstep_corrected": ("corrected", "更正"),
    "vstep_voided": ("voided", "撤销"),
    "vstep_plan_set": ("corrective plan set", "制定改进计划"),
    "vstep_plan_met": ("plan met", "计划达成"),
    "vstep_plan_extended": ("plan extended", "计划延期"),
    "vstep_plan_escalated": ("escalated", "升级处理"),
    "no_level": ("none", "无"),
    "penalty": ("Violations (deduction)", "违规扣分"),
    "career_tracks": ("Career tracks", "职业发展通道"),
    "track": ("Track", "通道"),
    "career_level": ("Level", "职级"),
    "min_band": ("Band needed", "等级要求"),
    "courses": ("Courses", "课程"),
    "exams": ("Exams", "考试"),
    "tenure_months": ("Tenure (months)", "司龄（月）"),
    "no_open_violation": ("No open violation", "无未结违规"),
    "eligibility": ("Promotion eligibility", "晋升资格"),
    "readiness": ("Readiness", "准备情况"),
    "ready_now": ("Ready now", "现可晋升"),
    "ready_soon": ("Ready soon", "即将具备"),
    "not_yet": ("Not yet", "尚不具备"),
    "promotion_cases": ("Promotion pipeline", "晋升流程"),
    "case_id": ("Case", "案例编号"),
    "pipeline_step": ("Step", "流程步骤"),
    "outcome": ("Outcome", "结果"),
    "step_eligible": ("eligible", "符合资格"),
    "step_nominated": ("nominated", "已提名"),
    "step_reviewed": ("reviewed", "已评审"),
    "step_decided": ("decided", "已决定"),
    "step_started": ("pair started", "结对开始"),
    "step_ended": ("pair ended", "结对结束"),
    "supported": ("supported", "支持"),
    "not_supported": ("not supported", "不支持"),
    "promoted": ("promoted", "晋升"),
    "declined": ("declined", "不予晋升"),
    "talent_pipeline": ("Talent pipeline", "人才梯队"),
    "in_pipeline": ("In the pipeline", "流程中"),
    "ready_now_names": ("Who is ready now", "现可晋升人员"),
    "ready_soon_names": ("Who is ready soon", "即将具备人员"),
    "common_gaps": ("Most common gaps", "主要差距"),
    "mentoring": ("Mentoring pairs", "传帮带结对"),
    "pair_id": ("Pair", "结对编号"),
    "mentor": ("Mentor", "师傅"),
    "mentee": ("Mentee", "徒弟"),
    "goal": ("Goal", "目标"),
    "starts_on": ("Starts", "开始日期"),
    "ends_on": ("Ends", "结束日期"),
    "detail": ("Why", "说明"),
    "gap_band": ("band {band} or better in each of the last {n} cycles (had {had})",
                 "近{n}个考核周期等级均须达到{band}及以上（实际：{had}）"),
    "gap_course": ("course {name} not completed", "未完成课程《{name}》"),
    "gap_exam": ("exam {name} not passed", "未通过考试《{name}》"),
    "gap_tenure": ("tenure {have} of {need} months", "司龄{have}个月，需{need}个月"),
    "gap_violation": ("{n} open violation(s)", "有{n}项未结违规"),
    "gap_none": ("all entry criteria met", "已满足全部晋升条件"),
    "competitions": ("Skill competitions", "技能竞赛"),
    "competition": ("Competition", "竞赛"),
    "held_on": ("Date", "日期"),
    "recognitions": ("Awards with amount or prize", "奖励（奖金或奖品）"),
    "what": ("For", "获奖事由"),
    "amount": ("Amount", "奖金"),
    "prize": ("Prize", "奖品"),
    "honour_board": ("Honour board", "荣誉榜"),
    "honour_opted_out": ("You chose to stay off the honour board.", "您已选择不在荣誉榜上展示。"),
    "honour_shown": ("You appear on the honour board when you receive an award.",
                     "获奖后您将在荣誉榜上展示。"),
    "excluded_award": ("Excluded (warning level)", "因警告级别取消"),
    "nothing_here": ("Nothing recorded.", "暂无记录。"),
    "my_violations": ("My violations and corrective plans", "我的违规记录与改进计划"),
    "my_tracks": ("My career tracks: next level and what is missing", "我的职业通道：下一职级及差距"),
    "careers_title": ("Penalties, promotion pipeline, talent pipeline and mentoring",
                      "奖惩、晋升流程、人才梯队与传帮带"),
    "my_careers_title": ("My violations, career tracks and mentoring", "我的违规、职业发展与传帮带"),
    "pair_active": ("Running", "进行中"),
    "show_on_board": ("Show me on the honour board", "在荣誉榜上展示我"),
})

# Supervisors and managers graded on their teams (graders.managers.grading), goals and one-to-ones.
LABELS.update({
    "upward": ("Upward review by own staff", "下属评价"),
    "goals": ("Goal completion", "目标完成度"),
    "complaint_resolution": ("Team complaint resolution", "团队投诉解决率"),
    "team_csat": ("Team customer satisfaction", "团队客户满意度"),
    "commitments": ("Team commitment compliance", "团队服务承诺达成率"),
    "backlog": ("Team backlog", "团队积压工单"),
    "attrition": ("Team attrition", "团队人员流失"),
    "team_training": ("Team training completion", "团队培训完成率"),
    "promotions": ("Promoted from within", "内部晋升"),
    "churn": ("Customer churn", "客户流失率"),
    "goal_followup": ("SMART goals set and followed up", "目标制定与跟进"),
    "one_to_ones": ("One-to-ones held", "一对一面谈"),
    "procedures": ("Procedure compliance", "流程合规"),
    "violation_free": ("Staff-months without a violation", "无违规人月占比"),
    "team_figures": ("Team figures", "团队指标"),
    "indicator": ("Indicator", "指标"),
    "value": ("Value", "实际值"),
    "head": ("Supervisor or manager", "主管或经理"),
    "smart_goals": ("Monthly SMART goals", "月度目标"),
    "measure": ("Measure", "衡量标准"),
    "goal_state": ("State", "状态"),
    "set": ("set", "已制定"),
    "agreed": ("agreed", "已确认"),
    "scored": ("scored", "已评分"),
    "goal_achievement": ("Achievement", "完成度"),
    "one_to_one": ("One-to-ones", "一对一面谈"),
    "talk_held_on": ("Held on", "面谈日期"),
    "notes": ("Notes", "记录"),
    "manager_id": ("Manager", "经理"),
    "management_grade": ("Grade of the team's head", "团队负责人考核"),
})

# Follow-up of the grades' corrective actions (graders.ladder.coaching, `academy coaching`).
LABELS.update({
    "cfu_title": ("Corrective actions and their follow-up", "改进措施及跟进"),
    "cfu_due": ("Due", "到期日"),
    "cfu_state": ("Follow-up", "跟进状态"),
    "cfu_extensions": ("Extensions", "延期次数"),
    "cfu_last": ("Last step (who: why)", "最近一步（记录人：原因）"),
    "cfu_due_state": ("awaiting follow-up", "待跟进"),
    "cfu_met": ("met", "已达标"),
    "cfu_escalated": ("escalated", "已升级处理"),
})


# Dashboards (dashboards/): the labels only the dashboards use.
LABELS.update({
    "manager_title": ("Team capability", "团队能力看板"),
    "trainee_title": ("My assessment report", "我的考核报告"),
    "trainer_title": ("Trainer view", "培训师视图"),
    "signed_in_as": ("Signed in as", "当前用户"),
    "loading": ("Loading the dashboard…", "正在加载看板…"),
    "all_roles": ("All roles", "全部岗位"),
    "teams": ("Teams", "团队"),
    "band_distribution": ("Grade bands", "等级分布"),
    "score_distribution": ("Final scores", "最终得分分布"),
    "people": ("People", "人数"),
    "radar": ("Competencies: team against company", "能力雷达：团队与公司对比"),
    "my_radar": ("My competencies against my team", "我的能力与团队对比"),
    "company": ("Company", "公司"),
    "selection": ("Selected teams", "所选团队"),
    "me": ("Me", "我"),
    "heatmap": ("Staff x competency", "员工能力热力图"),
    "trend": ("Trend across cycles (mean final score)", "历次考核趋势（平均最终得分）"),
    "breakdown": ("Component breakdown (mean contribution)", "考核项构成（平均贡献分）"),
    "awards_title": ("Awards", "奖励"),
    "pay_title": ("Performance pay", "绩效工资"),
    "health": ("Scheme health check", "考核方案健康检查"),
    "training_overview": ("Training needs: people per competency", "培训需求：各能力项需培训人数"),
    "quality": ("Evidence quality", "证据质量"),
    "no_warnings": ("No warnings.", "无警告。"),
    "insufficient_counts": ("Components with too little evidence", "证据不足的考核项"),
    "drilldown": ("One person", "个人详情"),
    "person": ("Person", "员工"),
    "download": ("Download the workbook (Excel)", "下载结果工作簿（Excel）"),
    "what_if": ("What-if: component weights", "假设分析：调整考核项权重"),
    "what_if_note": ("Recomputed by the scoring engine; the published cycle is not touched.",
                     "由评分引擎重新计算，不会修改已发布的考核结果。"),
    "family": ("Role family", "岗位类别"),
    "no_change": ("Nobody changes band or award.", "没有人的等级或奖励发生变化。"),
    "changes": ("would change band or award", "人的等级或奖励将发生变化"),
    "state": ("State", "状态"),
    "published": ("published", "已发布"),
    "draft": ("draft (not published)", "草稿（未发布）"),
    "reopened": ("reopened", "已重新开放"),
    "no_access": ("You have no access to this dashboard.", "您无权查看此看板。"),
    "not_signed_in": ("Please sign in with your token.", "请使用您的令牌登录。"),
    "no_grades": ("No published results yet.", "暂无已发布的考核结果。"),
    "error": ("Something went wrong; the administrator can find the details in the server log.",
              "出现错误，管理员可在服务器日志中查看详情。"),
    "my_components": ("My components", "我的各考核项"),
    "exam_feedback": ("Theory exams: my result per question", "理论考试：每题得分"),
    "question": ("Question", "题目"),
    "points": ("Points", "得分"),
    "max_points": ("Max", "满分"),
    "my_plan": ("My training plan", "我的培训计划"),
    "my_progress": ("My progress through the courses", "我的课程学习进度"),
    "course": ("Course", "课程"),
    "module": ("Module", "模块"),
    "progress_status": ("Status", "状态"),
    "not_started": ("not started", "未开始"),
    "opened": ("opened", "已打开"),
    "practised": ("practised", "已练习"),
    "completed": ("completed", "已完成"),
    "peer_note": ("Peer reviews are shown only as averages over enough colleagues.",
                  "同事互评仅显示足够人数的平均分。"),
    "grading_progress": ("Exam grading progress", "考试阅卷进度"),
    "exam": ("Exam", "考试"),
    "submitted": ("Submitted", "已提交"),
    "autograded": ("Autograded", "已自动评分"),
    "needs_manual": ("Awaiting manual grading", "待人工评分"),
    "item_analysis": ("Item analysis: questions to fix", "题目分析：需要修改的题目"),
    "facility": ("Facility", "难度系数"),
    "discrimination": ("Discrimination", "区分度"),
    "flag": ("Flag", "标记"),
    "agreement": ("Practical exams: agreement per scenario", "实践考核：各场景评分一致性"),
    "rater_effects": ("Practical exams: trainer leniency", "实践考核：考官宽严程度"),
    "scenario": ("Scenario", "考核场景"),
    "alpha": ("Krippendorff's alpha", "Krippendorff α 系数"),
    "trainer": ("Trainer", "考官"),
    "effect": ("Points against other trainers", "相对其他考官的分差"),
    "scoring_form": ("Practical scoring form", "实践考核评分表"),
    "count": ("Count", "数量"),
    "raters": ("Trainers", "考官人数"),
    "performances": ("Performances", "评分场次"),
    "shared": ("Shared performances", "共同评分场次"),
    "bias": ("Leniency (points)", "宽严偏差（分）"),
    "mean_abs_dev": ("Inconsistency (points)", "不一致程度（分）"),
    "nothing_yet": ("Nothing yet.", "暂无。"),
    "mean": ("Mean", "平均"),
})

# The first screen, the what-if table, phrases of the engine's checks and flags, the trainer's
# item analysis (issue 18: every string of a page in the page's language).
LABELS.update({
    "attention": ("What needs your attention", "需要您关注的事项"),
    "attention_none": ("Nothing needs your attention in this selection.",
                       "所选范围内暂无需要关注的事项。"),
    "below_line": ("Below the line", "低于合格线"),
    "below_line_note": ("in the lowest band: a coaching plan with the supervisor",
                        "处于最低等级：需与主管制定辅导计划"),
    "coaching_due": ("Coaching follow-up due", "辅导跟进到期"),
    "evidence_warnings": ("Evidence warnings", "证据警告"),
    "health_short": ("Scheme health check", "考核方案健康检查"),
    "awards_short": ("Awards", "获奖"),
    "graded_people": ("people graded", "人参评"),
    "persons": ("people", "人"),
    "people_unit": ("people", "人"),
    "and_more": ("and {n} more", "等共 {n} 人"),
    "due_by": ("follow-up by {date}", "跟进日期 {date}"),
    "no_one_selected": ("No team is selected: choose at least one team to see its people.",
                        "未选择团队：请至少选择一个团队以查看人员。"),
    "nobody_graded": ("Nobody in this selection is graded in this cycle.",
                      "所选范围内本周期没有参评人员。"),
    "not_graded_role": ("{role} are not graded by a role scheme of this cycle; choose another role "
                        "or all roles.",
                        "本周期的考核方案不评定{role}；请选择其他岗位或全部岗位。"),
    "heatmap_page": ("People {a}-{b} of {n}, weakest first", "第 {a}-{b} 人，共 {n} 人，按得分从低到高"),
    "page": ("Page", "页"),
    "weights_normalised": ("Weights are normalised to sum to 100%: the weights used are shown "
                           "below.", "权重会按比例换算为合计 100%：实际使用的权重见下表。"),
    "weight_set": ("Slider", "滑块设定"),
    "weight_normalised": ("Weight used", "实际权重"),
    "person_not_found": ("No one with this employee id is among the people shown.",
                         "所示人员中没有这个工号的员工。"),
    "weights_all_zero": ("Every weight is 0: set at least one above 0 to see who would change.",
                         "所有权重都为 0：请至少把一项调到 0 以上，再查看谁的结果会变化。"),
    "before_score": ("Score before", "调整前得分"),
    "after_score": ("Score after", "调整后得分"),
    "before_band": ("Band before", "调整前等级"),
    "after_band": ("Band after", "调整后等级"),
    "before_award": ("Award before", "调整前奖励"),
    "after_award": ("Award after", "调整后奖励"),
    "award_yes": ("award", "获奖"),
    "award_no": ("-", "-"),
    "change_band": ("band", "等级"),
    "change_award": ("award", "奖励"),
    "change_band and award": ("band and award", "等级和奖励"),
    "responses": ("Responses", "作答人数"),
    "options": ("Options (how many chose each; the key marked ✓)",
                "选项（各选项人数；✓ 为正确答案）"),
    "floor": ("floor", "下限"),
    "too easy": ("too easy", "过于简单"),
    "too hard": ("too hard", "过难"),
    "low discrimination": ("low discrimination", "区分度低"),
    "dashboard:revise": ("needs revising", "需要修订"),
    "dashboard:ok": ("sound", "正常"),
    "info": ("note", "提示"),
    "low": ("low", "偏低"),
    "acceptable": ("acceptable", "可接受"),
    "good": ("good", "良好"),
    "unknown": ("unknown", "无法计算"),
    "lenient": ("lenient", "偏宽"),
    "harsh": ("harsh", "偏严"),
    "disagrees": ("inconsistent", "不一致"),
    "source": ("Source", "来源"),
    "subject": ("About", "对象"),
    "dashboard:detail": ("Detail", "详情"),
    "scoring_closed": ("The results of {cycle} are published, so new practical scores cannot be "
                       "saved now; a manager can reopen the cycle to take more scores.",
                       "{cycle} 的考核结果已发布，目前不能保存新的实践考核评分；如需补充评分，"
                       "请经理重新开放该考核周期。"),
    "no_open_cycle": ("No assessment cycle is open: scores can be entered once a manager opens "
                      "one.", "目前没有进行中的考核周期：经理开启考核周期后即可评分。"),
    "open_module": ("Open the module", "打开课程模块"),
    "key": ("Right answer", "正确答案"),
    "key_true": ("true", "正确"),
    "key_false": ("false", "错误"),
    "list_sep": (", ", "、"),
    "clause_sep": ("; ", "；"),
    "colon": (": ", "："),
    "teams_hint": ("Hold Ctrl (⌘ on a Mac) and click to pick several teams.",
                   "按住 Ctrl（Mac 上为 ⌘）并单击可选择多个团队。"),
    "workbook_ready": ("Save the results of {cycle} (Excel)", "保存 {cycle} 考核结果（Excel）"),
})
LABELS.update({
    "chart_empty": ("Nothing to show for this selection.", "所选范围内没有可显示的数据。"),
    "status_missing": ("missing", "缺失"),
    "status_insufficient": ("too little evidence", "证据不足"),
    "management": ("Management", "管理岗"),
    "raters_peer": ("Colleagues", "评价人数"),
    "administrator": ("administrator", "管理员"),
    # evidence-quality flag kinds (graders.sources FLAG_COLUMNS "kind")
    "flag_low_agreement": ("Trainers disagree on a scenario", "考官对考核场景评分不一致"),
    "flag_agreement_unknown": ("Agreement cannot be measured", "无法计算评分一致性"),
    "flag_lenient_rater": ("Lenient trainer", "考官评分偏宽"),
    "flag_harsh_rater": ("Harsh trainer", "考官评分偏严"),
    "flag_rater_disagreement": ("Inconsistent trainer", "考官评分不稳定"),
    "flag_critical": ("Critical failure", "关键项未达标"),
    "flag_straight_lining": ("Same answer to every item", "所有题目答案相同"),
    "flag_mutual_praise": ("Mutual praise", "互相抬分"),
    "flag_rater_outlier": ("Reviewer far from the others", "评价人偏离共识"),
    "flag_cross_team_rating": ("Rating outside the team", "跨团队评价"),
    "flag_low_survey_coverage": ("Too few customer surveys", "客户回访覆盖不足"),
})

# the manager's view of course progress (dashboards.courses.team_progress)
LABELS.update({
    "team_course_progress": ("Course progress of the people shown", "所示人员的课程学习进度"),
    "modules_opened": ("Modules opened", "已打开模块"),
    "modules_completed": ("Modules completed", "已完成模块"),
    "self_check_avg": ("Self-check average", "自测平均分"),
    "rating_avg": ("Rating given (1-5)", "模块评分（1-5）"),
})

# Fair measurement (issue 16): trainer severity, adjusted practical scores, exam statistics.
LABELS.update({
    "fair_title": ("Practical exams: trainer severity (many-facet Rasch model)",
                   "实践考核：考官严厉度（多面拉什模型）"),
    "fair_note": ("Severity in logits: + harsher than the typical trainer (0). Points: what the "
                  "trainer adds to a 0-100 score (+ lenient). Infit and outfit near 1 fit the "
                  "model; above 1.5 erratic, below 0.5 too predictable.",
                  "严厉度以对数单位计：正值表示比典型考官（0）更严。分值：该考官给百分制分数带来的"
                  "增减（正值偏宽）。加权拟合和未加权拟合接近 1 表示符合模型；高于 1.5 评分不稳定，"
                  "低于 0.5 过于雷同。"),
    "fair_ratings": ("Scores given", "评分条数"),
    "fair_severity": ("Severity (logits)", "严厉度（对数单位）"),
    "fair_se": ("Standard error", "标准误"),
    "fair_infit": ("Infit", "加权拟合均方"),
    "fair_outfit": ("Outfit", "未加权拟合均方"),
    "fair_points": ("Effect on scores (points)", "对分数的影响（分）"),
    "fair_points_se": ("Standard error (points)", "标准误（分）"),
    "fair_source": ("Source", "来源"),
    "fair_variance": ("Variance (points²)", "方差（分²）"),
    "fair_share": ("Share", "占比"),
    "fair_src_trainee": ("Trainees", "学员"),
    "fair_src_trainer": ("Trainers", "考官"),
    "fair_src_criterion": ("Criteria", "评分项"),
    "fair_src_residual": ("Residual", "残差"),
    "fair_variance_title": ("Where the differences in practical scores come from",
                            "实践考核分数差异的来源"),
    "fair_needed": ("One trainer's scenario score has reliability {one} (now {n} trainers per "
                    "scenario: {now}). Trainers per scenario needed for 0.8: {k} as scored, {kf} "
                    "with severity corrected.",
                    "单个考官的场景评分信度为 {one}（目前每个场景 {n} 名考官：{now}）。"
                    "信度达到 0.8 所需的每场景考官人数：按原始评分 {k} 名，校正严厉度后 {kf} 名。"),
    "fair_none": ("No practical ratings by two or more trainers yet.",
                  "暂无两名及以上考官的实践考核评分。"),
    "fair_disconnected": ("The trainers and trainees form separate groups that share nobody: "
                          "severity cannot be estimated. Have some trainees scored by trainers of "
                          "both groups.",
                          "考官与学员分成了互不相交的组，无法估计严厉度。请安排部分学员由两组的考官"
                          "共同评分。"),
    "fair_not_stored": ("These grades were computed before trainer severity was kept with "
                        "them: grade the cycle again to see it.",
                        "这些成绩计算时尚未随成绩保存考官严厉度：请重新计算该周期成绩后查看。"),
    "fair_adjusted_title": ("Practical scores adjusted for trainer severity",
                            "按考官严厉度校正的实践考核分数"),
    "fair_adjusted_summary": ("{adjusted} of {n} practical scores changed by half a point or more "
                              "(mean change {mean} points).",
                              "{n} 个实践考核分数中有 {adjusted} 个变化达到 0.5 分及以上"
                              "（平均变化 {mean} 分）。"),
    "fair_adjusted_none": ("No practical score was adjusted in this selection.",
                           "所选范围内没有经过校正的实践考核分数。"),
    "fair_raw": ("As scored", "原始分"),
    "fair_fair": ("Fair score", "校正分"),
    "fair_change": ("Change", "变化"),
    "fair_counted": ("Graded on", "计分依据"),
    "fair_counted_fair": ("fair score", "校正分"),
    "fair_counted_raw": ("score as given", "原始分"),
    "exam_stats_title": ("Exam statistics", "考试统计"),
    "question_stats_title": ("Question statistics", "题目统计"),
    "fair_takers": ("Trainees", "考生人数"),
    "median": ("Median", "中位数"),
    "sd": ("Standard deviation", "标准差"),
    "skewness": ("Skewness", "偏度"),
    "kurtosis": ("Kurtosis", "峰度"),
    "cronbach_alpha": ("Cronbach's alpha", "克龙巴赫 α 系数"),
    "error_ratio": ("Error ratio", "误差比"),
    "sem": ("Standard error of measurement", "测量标准误"),
    "random_guess": ("Random guess score", "随机猜测得分"),
    "intended_weight": ("Intended weight", "预设权重"),
    "effective_weight": ("Effective weight", "实际权重"),
    "efficiency": ("Discriminative efficiency", "区分效率"),
    "flag_practical_disconnected": ("Practical scores not adjusted: trainers and trainees in "
                                    "separate groups", "实践考核分数未校正：考官与学员分组互不相交"),
    "flag_practical_not_adjusted": ("Practical scores not adjusted for trainer severity",
                                    "实践考核分数未按考官严厉度校正"),
})

# Follow-up of corrective actions on the first screen (graders.ladder.coaching).
LABELS.update({
    "extended_to": ("extended to {date}", "已延期至 {date}"),
    "followed_up_note": ("{n} corrective action(s) already followed up (met or escalated)",
                         "另有 {n} 项改进措施已完成跟进（已达标或已升级处理）"),
})


# The company-items panel (dashboards/company_panel.py).
LABELS.update({
    "company:title": ("Customer feedback on the company (not charged to staff)",
                      "客户对公司的评价（不计入个人成绩）"),
    "company:note": ("Product quality, price, delivery time and packaging as customers rated them; these "
                     "items never count in an engineer's customer score.",
                     "客户对产品质量、价格、交货期和包装的评价；这些项目不计入服务人员的客户满意度成绩。"),
    "company:cycle": ("Cycle", "考核周期"), "company:item": ("Item", "项目"), "company:team": ("Team", "团队"),
    "company:responses": ("Responses", "答卷数"), "company:mean": ("Mean (0-100)", "平均分(0-100)"),
    "company:satisfied_share": ("Satisfied", "满意比例"), "company:all_teams": ("All teams", "全部团队"),
    "company:none": ("No customer feedback on company items in this cycle.", "本周期没有关于公司项目的客户评价。"),
    "company:download": ("Download (Excel)", "下载（Excel）"),
    "company:download_cycle": ("Save the customer feedback of {cycle} (Excel)",
                               "保存 {cycle} 客户对公司的评价（Excel）"),
    "company:file": ("Company feedback", "公司评价"),
    "company:show": ("Show", "查看"),
})


# The training-impact panel (dashboards/impact.py).
LABELS.update({
    "impact:title": ("Training impact on the job (Kirkpatrick levels 3 and 4)",
                     "培训对工作的影响（柯氏评估第三、四级）"),
    "impact:note": ("What completing a course changed in a job figure, compared with colleagues of the "
                    "same team, role and length of service who had not yet completed it "
                    "(a difference in differences over months).",
                    "完成课程后工作指标的变化，与同团队、同岗位、同司龄段且尚未完成该课程的同事相比（按月的双重差分）。"),
    "impact:course": ("Course", "课程"), "impact:kpi": ("Figure", "指标"), "impact:show": ("Show", "查看"),
    "impact:effect": ("Effect", "效果"), "impact:interval": ("95% interval", "95%置信区间"),
    "impact:low": ("Interval low", "区间下限"), "impact:high": ("Interval high", "区间上限"),
    "impact:cohort": ("Completed in", "完成月份"), "impact:people": ("People", "人数"),
    "impact:months_since": ("Months since completion", "完成后月数"),
    "impact:chart": ("Effect by months since completion", "按完成后月数的效果"),
    "impact:treated": ("Trained people compared", "参与比较的已培训人数"),
    "impact:controls": ("Peers not yet trained", "尚未培训的对照同事"),
    "impact:pretrend": ("Before completion (pre-trend test)", "完成前趋势检验"),
    "impact:placebo": ("Placebo (fake earlier dates)", "安慰剂检验（虚构提前日期）"),
    "impact:increase": ("increased", "提高了"), "impact:decrease": ("decreased", "降低了"),
    "impact:better": ("an improvement", "有改善"), "impact:worse": ("a deterioration", "变差"),
    "impact:not_enough_evidence": ("Not enough evidence: the interval includes zero.",
                                   "证据不足：置信区间包含零。"),
    "impact:pre_ok": ("no difference in trends before completion (p = {p})",
                      "完成前趋势无差异（p = {p}）"),
    "impact:pre_bad": ("trends differed already before completion (p = {p}): read the effect with care",
                       "完成前趋势已有差异（p = {p}）：请谨慎解读效果"),
    "impact:pre_none": ("too few months before completion to test", "完成前月份太少，无法检验"),
    "impact:placebo_ok": ("no effect at fake dates ({est})", "虚构日期下无效果（{est}）"),
    "impact:placebo_bad": ("an 'effect' at fake dates ({est}): read the effect with care",
                           "虚构日期下出现“效果”（{est}）：请谨慎解读效果"),
    "impact:placebo_none": ("too little data for a placebo", "数据太少，无法做安慰剂检验"),
    "impact:verdict": ("Completing the course {dir} {kpi} by {est} {unit} ({interval}): {judge}.",
                       "完成课程后{kpi}{dir}{est}{unit}（{interval}）：{judge}。"),
    "impact:none": ("No course results to show.", "没有可显示的课程结果。"),
    "impact:overview": ("All courses", "全部课程"), "impact:verdict_col": ("Verdict", "结论"),
    "impact:short_better": ("Improvement", "有改善"), "impact:short_worse": ("Deterioration", "变差"),
    "impact:short_unclear": ("Not enough evidence", "证据不足"),
    "impact:short_no_data": ("Too little data", "数据不足"),
})


# Job figures of the training-impact panel.
LABELS.update({
    "impact_kpi:fcr": ("first-contact resolution", "一次解决率"),
    "impact_kpi:commitments": ("commitment compliance", "服务承诺达成率"),
    "impact_kpi:csat": ("customer satisfaction", "客户满意度"),
    "impact_kpi:deductions": ("key-behaviour deductions", "关键行为扣分"),
    "impact_kpi:practical": ("practical exam score", "实操考核成绩"),
    "impact_kpi:review": ("review score", "360评价得分"),
})


# Units of the training-impact panel.
LABELS.update({
    "impact_unit:%": ("percentage points", "个百分点"), "impact_unit:0-100": ("points", "分"),
    "impact_unit:points": ("points", "分"),
})


# Why the training-impact panel has no figure.
LABELS.update({
    "impact_reason:no_data": ("No data for this figure yet.", "该指标暂无数据。"),
    "impact_reason:one_period": ("The data cover only one period: nothing to compare.",
                                 "数据只有一个期间，无法比较。"),
    "impact_reason:no_treated": ("Nobody with this figure has completed the course.",
                                 "有该指标数据的人中还没有人完成该课程。"),
    "impact_reason:no_base": ("Nobody who completed the course has data from before completing it.",
                              "完成课程的人都没有完成前的数据。"),
    "impact_reason:too_few_treated": ("Too few trained people with an untrained peer of the same team, role "
                                      "and length of service ({matched}; at least {needed} needed).",
                                      "有同团队、同岗位、同司龄段未培训同事可比的已培训人数太少（{matched}人，至少需要{needed}人）。"),
    "impact_reason:too_few_controls": ("Too few peers not yet trained to compare with ({controls}; at least "
                                       "{needed} needed).",
                                       "可比较的未培训同事太少（{controls}人，至少需要{needed}人）。"),
    "impact_reason:no_post": ("No data from after completing the course yet.", "还没有完成课程后的数据。"),
})


# The evidence forms (graders/notebook_forms/evidence_forms.py).
LABELS.update({
    "form:trainee": ("Trainee", "学员"), "form:scenario": ("Scenario", "考核场景"), "form:save": ("Save", "保存"),
    "form:comment": ("Comment", "评语"), "form:person": ("Person reviewed", "被评价人"),
    "form:saved": ("Saved", "已保存"), "form:replaced": ("replacing your earlier entry", "已替换之前的评分"),
    "form:missing": ("Answer every item before saving", "请先回答所有题目"),
    "form:trainer": ("Trainer", "考官"), "form:reviewer": ("Reviewer", "评价人"),
})


# The monthly work-plan form (graders/notebook_forms/plan_form.py).
LABELS.update({
    "plan:person": ("Staff member", "员工"), "plan:month": ("Month", "月份"), "plan:mode": ("Step", "步骤"),
    "plan:agree": ("Agree the plan", "制定计划"), "plan:score": ("Score last month", "评分"),
    "plan:item": ("Plan item", "计划项"), "plan:weight": ("Weight", "权重"), "plan:target": ("Target", "完成标准"),
    "plan:add": ("Add item", "添加计划项"), "plan:supervisor": ("Supervisor", "上级"),
    "plan:done": ("Done", "完成"), "plan:partly": ("Partly", "部分完成"), "plan:not_done": ("Not done", "未完成"),
    "plan:quality": ("Quality", "质量"), "plan:none_agreed": ("No plan was agreed for this month.",
                                                        "该月没有制定计划。"),
    "plan:not_over": ("This month is not over yet: its plan is scored next month.",
                      "该月尚未结束：计划在下个月评分。"),
    "plan:empty": ("Give every plan item a title and a weight above 0, each title once.",
                   "每个计划项都需要名称且权重大于0，名称不能重复。"),
    "plan:unscored": ("Choose a status for every item before saving.", "请先为每个计划项选择完成情况。"),
    "plan:not_yours": ("You can only plan and score the work of people below you in the roster.",
                       "只能为您的下属制定计划和评分。"),
})


# Theory exam questions and their grading output (graders/exam/widgets.py).
LABELS.update({
    "exam:points": ("points", "分"),
    "exam:saved": ("Saved", "已保存"),
    "exam:not_saved": ("Not answered yet", "尚未作答"),
    "exam:true": ("True", "正确"),
    "exam:false": ("False", "错误"),
    "exam:your_answer": ("Your answer", "你的答案"),
    "exam:no_answer": ("(no answer)", "（未作答）"),
    "exam:correct": ("correct", "正确"),
    "exam:partial": ("partly correct", "部分正确"),
    "exam:incorrect": ("incorrect", "错误"),
    "exam:unanswered": ("not answered", "未作答"),
    "exam:invalid": ("answer not readable", "答案无法识别"),
    "exam:of": ("of", "/"),
    "exam:type_here": ("Type your answer", "在此输入答案"),
    "exam:question": ("Question", "第"),
    "exam:multiple_hint": ("(choose all that apply)", "（多选）"),
})


# Course widgets: self-checks, simulations, ratings (training/).
LABELS.update({
    "course:check": ("Check", "检查答案"),
    "course:correct": ("Correct.", "回答正确。"),
    "course:wrong": ("Not quite.", "不太对。"),
    "course:choose_first": ("Choose an answer first.", "请先选择一个答案。"),
    "course:right_answer": ("The right answer: ", "正确答案："),
    "course:why": ("Why: ", "解析："),
    "course:score": ("Your self-check score: ", "自测得分："),
    "course:answered": ("answered", "已答"),
    "course:restart": ("Start again", "重新开始"),
    "course:step": ("Step", "步骤"),
    "course:solved": ("Solved", "故障已排除"),
    "course:summary": ("Summary", "小结"),
    "course:good_step": ("Good step.", "正确的一步。"),
    "course:poor_step": ("Not the best next step.", "这不是最佳的下一步。"),
    "course:minutes_spent": ("Time spent", "用时"),
    "course:minutes": ("min", "分钟"),
    "course:steps": ("steps", "步"),
    "course:best_path": ("shortest good path", "最佳路径"),
    "course:customer": ("Customer", "客户"),
    "course:you": ("You", "你"),
    "course:mood": ("Customer's anger", "客户怒气"),
    "course:listening": ("Listening", "倾听"),
    "course:empathy": ("Empathy", "同理心"),
    "course:emotion_control": ("Emotion control", "情绪控制"),
    "course:strong": ("strong", "很好"),
    "course:adequate": ("adequate", "合格"),
    "course:needs_work": ("needs work", "需要加强"),
    "course:breach": ("You promised something you have no authority to promise.",
                      "你承诺了自己无权承诺的事情。"),
    "course:outcome": ("Outcome", "结果"),
    "course:calculate": ("Calculate", "计算"),
    "course:rate_prompt": ("Was this module useful to you? (1 = not at all, 5 = very useful)",
                           "本模块对你有用吗？（1 = 完全没用，5 = 非常有用）"),
    "course:comment": ("Comment (optional)", "意见（可选）"),
    "course:submit": ("Submit", "提交"),
    "course:thanks": ("Thank you, your rating was saved.", "谢谢，你的评价已保存。"),
    "course:thanks_unsaved": ("Thank you. (Not saved: ", "谢谢。（未保存："),
    "course:choose_rating": ("Choose a rating from 1 to 5 first.", "请先选择 1 到 5 的评分。"),
    "course:not_recorded": ("Your progress is not being recorded: ", "你的学习进度不会被记录："),
    "course:recorded_as": ("Progress is recorded for ", "学习进度记录在："),
    "course:objectives": ("Learning objectives", "学习目标"),
    "course:estimated": ("Estimated time", "预计用时"),
    "course:competencies": ("Competencies", "能力项"),
    "course:practice_done": ("Practice complete.", "练习完成。"),
    "course:fcr_resolved": ("Resolved at first contact", "首次联系即解决的问题数"),
    "course:fcr_total": ("All contacted problems", "联系的全部问题数"),
    "course:fcr_rate": ("First-contact resolution rate", "首次解决率"),
    "course:weight": ("weight", "权重"),
    "course:weighted_satisfaction": ("Weighted satisfaction", "加权满意度"),
    "course:satisfied": ("satisfied", "满意"),
    "course:not_satisfied": ("below the satisfied mark", "未达到满意线"),
    "course:needed": ("needed", "为达标线"),
    "course:respond_within": ("Respond within (min)", "响应时限（分钟）"),
    "course:onsite_within": ("On site within (h)", "到场时限（小时）"),
    "course:fix_within": ("Fault cleared within (h)", "排除故障时限（小时）"),
    "course:tickets_hint": ("one ticket a line: response min, on-site h, fix h",
                            "每行一张工单：响应分钟数, 到场小时数, 排除故障小时数"),
    "course:tickets": ("Tickets", "工单数"),
    "course:responded_in_time": ("Responded in time", "按时响应"),
    "course:onsite_in_time": ("On site in time", "按时到场"),
    "course:fixed_in_time": ("Fault cleared in time", "按时排除故障"),
    "course:all_met": ("Every commitment met", "全部承诺均达成"),
    "course:task_solved": ("That matches the exercise. Well done.", "与练习答案一致，做得好。"),
    "course:task_not_yet": ("That is not the exercise's answer yet; check your inputs.",
                            "还不是练习的答案，请检查输入。"),
})


# The exam notebook's instructions (graders/exam/build.py).
LABELS.update({
    "exam_notebook:intro": ("**How to take this exam**\n\n1. The questions appear by themselves when the exam "
                            "opens (if they do not, reload the page).\n2. Answer by clicking "
                            "the options or typing in the boxes. Every answer is saved at once (you see "
                            "*Saved*), even if you close the exam and come back later.\n3. Written answers: "
                            "click the box under the question and type; your answer is saved when you click "
                            "outside the box and sent with the exam.\n4. When "
                            "you are done, click **Submit exam** at the top and confirm. You can submit "
                            "again until the exam closes; your last submission counts.\n\nYou never need to "
                            "change any code.",
                            "**答题说明**\n\n1. 打开试卷后题目会自动出现（如果没有出现，请刷新页面）。\n2. 点击选项或在输入框中填写作答。"
                            "每次作答都会立即保存（显示“已保存”），关闭后重新打开也不会丢失。\n3. 简答题：点击题目下方的方框并输入答案；点击方框外即保存，并随试卷一起提交。\n4. "
                            "完成后点击顶部的 **提交试卷** 并确认。考试结束前可以再次提交，以最后一次提交为准。\n\n整个考试无需修改任何代码。"),
    "exam_notebook:end": ("**End of the exam.** Click **Submit exam** at the top and confirm. Your result "
                          "and feedback appear under Exams > My exams once your trainer releases them.",
                          "**考试结束。** 请点击顶部的 **提交试卷** 并确认。培训师发布后，成绩和反馈会出现在“考试 > 考试列表”中。"),
    "exam_notebook:points": ("points", "分"),
    "exam_notebook:answer_stub": ("✎ Click here and write your answer.",
                                  "✎ 点击此处写下你的答案。"),
    "exam_notebook:mark_scheme": ("Mark scheme (trainers only)", "评分标准（仅培训师可见）"),
    "exam_notebook:answer_below": ("# Question {n}: answer below", "# 第 {n} 题：请在下方作答"),
})


# Headers of the company-items export (graders/company_feedback.py).
LABELS.update({
    "company_export:item": ("item", "项目代码"),
    "company_export:item_en": ("question", "题目(英文)"),
    "company_export:item_zh": ("question (zh)", "题目"),
    "company_export:team": ("team", "团队"),
    "company_export:responses": ("responses", "答卷数"),
    "company_export:mean": ("mean (0-100)", "平均分(0-100)"),
    "company_export:satisfied_share": ("satisfied share", "满意比例"),
    "company_export:all_teams": ("all teams", "全部团队"),
    "company_export:sheet": ("company items", "公司项目"),
})


# The engine's health checks and evidence-quality flags, said again on a dashboard
# (dashboards/phrases.py): the blanks are the numbers and names picked out of the engine's
# English sentence.
LABELS.update({
    "phrase:kpi_health": ("{fam}: {share}% of {n} staff have a KPI value below 1 ({rel} {limit}%): "
                          "{verdict}",
                          "{fam}：{n} 人中有 {share}% 的 KPI 值低于 1（{rel}{limit}% 的警戒线），{verdict}"),
    "phrase:kpi_revise_rel": ("at least", "达到"),
    "phrase:kpi_sound_rel": ("below", "低于"),
    "phrase:kpi_revise": ("the scheme itself needs revising", "考核方案本身需要修订"),
    "phrase:kpi_sound": ("the scheme is sound", "考核方案合理"),
    "phrase:not_graded": ("{fam}: {n} active staff have no role scheme and were not graded",
                          "{fam}：{n} 名在职人员没有适用的考核方案，本周期未参与评定"),
    "phrase:low_agreement": ("Krippendorff's alpha {a} is below the floor", "评分一致性 α = {a}，低于下限"),
    "phrase:agreement_unknown": ("no performance was scored by two trainers: agreement cannot be "
                                 "measured", "没有任何一次表现由两位考官同时评分，无法计算一致性"),
    "phrase:rater_bias": ("scores {b} points against other trainers over {n} shared performances",
                          "在 {n} 次共同评分中比其他考官平均 {b} 分"),
    "phrase:rater_disagreement": ("{x} points from other trainers on average", "与其他考官平均相差 {x} 分"),
    "phrase:critical_criterion": ("critical criterion missed in “{s}”", "在“{s}”中关键评分项未达标"),
    "phrase:critical_behaviour": ("critical behaviour in {month}: {b}", "{month} 出现严重关键行为：{b}"),
    "phrase:straight_lining": ("gave every one of {n} people the same answer to every item",
                               "对 {n} 人的每一道题都给出了相同的答案"),
    "phrase:mutual_praise": ("each rates the other {x}+ points above what others give",
                             "双方给对方的评分都比其他人高出 {x} 分以上"),
    "phrase:rater_outlier": ("{x} points from the consensus on average over {n} people",
                             "对 {n} 人的评分平均偏离共识 {x} 分"),
    "phrase:cross_team_rating": ("rated {e} outside their team; not counted", "评价了其他团队的 {e}，不计入"),
    "phrase:low_survey_coverage": ("coverage {c}% × return rate {r}% = {p}%, below the {t}% target",
                                   "回访覆盖率 {c}% × 回收率 {r}% = {p}%，低于 {t}% 的目标"),
})

# the workbook's scheme sheet: the settings of each scheme, by name (never a raw key)
LABELS.update({
    "sheet:state": ("Publication state", "发布状态"),
    "sheet:run": ("Grade run", "评分批次"),
    "sheet:computed_at": ("Computed at", "计算时间"),
    "sheet:computed_by": ("Computed by", "计算人"),
    "sheet:inputs_sha256": ("Inputs fingerprint (SHA-256)", "输入数据指纹"),
    "sheet:results_sha256": ("Results fingerprint (SHA-256)", "结果指纹"),
    "sheet:evidence_batches": ("Evidence batches", "证据批次"),
    "sheet:teams": ("Teams", "团队"),
    "sheet:for": ("Downloaded by", "下载人"),
    "sheet:file": ("File", "文件"),
    "sheet:kind": ("Result or process", "结果类或过程类"),
    "sheet:kind_result": ("result", "结果类"),
    "sheet:kind_process": ("process", "过程类"),
    "sheet:result_share": ("Share of result components", "结果类考核项占比"),
    "sheet:missing": ("When a component is missing", "考核项缺失时"),
    "sheet:missing_reweight": ("the others are reweighted", "按其余考核项重新加权"),
    "sheet:missing_zero": ("it counts as zero", "按零分计"),
    "sheet:missing_incomplete": ("the result is incomplete", "结果记为不完整"),
    "sheet:min_weight_present": ("Weight that must be present", "至少须具备的权重"),
    "sheet:use_insufficient": ("Use evidence below the minimum", "采用不足最低数量的证据"),
    "sheet:band_min": ("From", "下限"),
    "sheet:band_max": ("Below", "上限"),
    "sheet:top_share": ("Top share of a role", "岗位前列比例"),
    "sheet:min_band": ("Band needed", "等级要求"),
    "sheet:excluded_flags": ("Not with", "以下情况除外"),
    "sheet:min_size": ("Smallest team", "团队最少人数"),
    "sheet:prior_strength": ("Prior strength (people)", "先验强度（人数）"),
    "sheet:winners": ("Winners", "获奖数"),
    "sheet:base_coefficient": ("Base coefficient", "基本系数"),
    "sheet:performance_coefficient": ("Performance coefficient", "绩效系数"),
    "sheet:reference_pay": ("Reference pay", "参考工资"),
    "sheet:target_score": ("Target score", "目标分数"),
    "sheet:kpi_min": ("Lowest KPI factor", "绩效系数下限"),
    "sheet:kpi_max": ("Highest KPI factor", "绩效系数上限"),
    "sheet:health_share": ("Health check: share within the range", "健康检查：区间内人数占比"),
    "sheet:band": ("Band", "等级"),
    "sheet:consecutive_cycles": ("Consecutive cycles", "连续周期数"),
    "sheet:follow_up_days": ("Follow-up within (days)", "跟进期限（天）"),
    "sheet:threshold": ("Below score", "低于分数"),
    "sheet:below_team_by": ("Or below the team by", "或低于团队均值"),
    "sheet:max_competencies": ("Competencies at most", "最多能力项数"),
    "sheet:max_modules": ("Modules at most", "最多课程模块数"),
    "sheet:due_days": ("Due within (days)", "完成期限（天）"),
})
