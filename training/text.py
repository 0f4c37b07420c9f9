"""Bilingual text: a field is either plain text (English) or a mapping {en: ..., zh: ...}."""

from __future__ import annotations

Text = str | dict[str, str]

LOCALES = ("en", "zh")


def pick(text: Text | None, locale: str = "en") -> str:
    """The text in `locale`, else its English, else any language it has ('' for None)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(locale) or text.get("en") or next(iter(text.values()), "")


def has_locale(text: Text | None, locale: str) -> bool:
    """Is `text` written in `locale`? Plain strings count as English only."""
    if text is None:
        return True
    if isinstance(text, str):
        return locale == "en"
    return bool(text.get(locale))


LABELS: dict[str, tuple[str, str]] = {
    "check": ("Check", "检查答案"),
    "correct": ("Correct.", "回答正确。"),
    "wrong": ("Not quite.", "不太对。"),
    "choose_first": ("Choose an answer first.", "请先选择一个答案。"),
    "right_answer": ("The right answer: ", "正确答案："),
    "why": ("Why: ", "解析："),
    "score": ("Your self-check score: ", "自测得分："),
    "answered": ("answered", "已答"),
    "restart": ("Start again", "重新开始"),
    "step": ("Step", "步骤"),
    "solved": ("Solved", "故障已排除"),
    "summary": ("Summary", "小结"),
    "good_step": ("Good step.", "正确的一步。"),
    "poor_step": ("Not the best next step.", "这不是最佳的下一步。"),
    "minutes_spent": ("Time spent", "用时"),
    "minutes": ("min", "分钟"),
    "steps": ("steps", "步"),
    "best_path": ("shortest good path", "最佳路径"),
    "customer": ("Customer", "客户"),
    "you": ("You", "你"),
    "mood": ("Customer's anger", "客户怒气"),
    "listening": ("Listening", "倾听"),
    "empathy": ("Empathy", "同理心"),
    "emotion_control": ("Emotion control", "情绪控制"),
    "strong": ("strong", "很好"),
    "adequate": ("adequate", "合格"),
    "needs_work": ("needs work", "需要加强"),
    "breach": ("You promised something you have no authority to promise.",
               "你承诺了自己无权承诺的事情。"),
    "outcome": ("Outcome", "结果"),
    "calculate": ("Calculate", "计算"),
    "rate_prompt": ("Was this module useful to you? (1 = not at all, 5 = very useful)",
                    "本模块对你有用吗？（1 = 完全没用，5 = 非常有用）"),
    "comment": ("Comment (optional)", "意见（可选）"),
    "submit": ("Submit", "提交"),
    "thanks": ("Thank you, your rating was saved.", "谢谢，你的评价已保存。"),
    "thanks_unsaved": ("Thank you. (Not saved: ", "谢谢。（未保存："),
    "choose_rating": ("Choose a rating from 1 to 5 first.", "请先选择 1 到 5 的评分。"),
    "not_recorded": ("Your progress is not being recorded: ", "你的学习进度不会被记录："),
    "recorded_as": ("Progress is recorded for ", "学习进度记录在："),
    "objectives": ("Learning objectives", "学习目标"),
    "estimated": ("Estimated time", "预计用时"),
    "competencies": ("Competencies", "能力项"),
    "practice_done": ("Practice complete.", "练习完成。"),
    "fcr_resolved": ("Resolved at first contact", "首次联系即解决的问题数"),
    "fcr_total": ("All contacted problems", "联系的全部问题数"),
    "fcr_rate": ("First-contact resolution rate", "首次解决率"),
    "weight": ("weight", "权重"),
    "weighted_satisfaction": ("Weighted satisfaction", "加权满意度"),
    "satisfied": ("satisfied", "满意"),
    "not_satisfied": ("below the satisfied mark", "未达到满意线"),
    "needed": ("needed", "为达标线"),
    "respond_within": ("Respond within (min)", "响应时限（分钟）"),
    "onsite_within": ("On site within (h)", "到场时限（小时）"),
    "fix_within": ("Fault cleared within (h)", "排除故障时限（小时）"),
    "tickets_hint": ("one ticket a line: response min, on-site h, fix h",
                     "每行一张工单：响应分钟数, 到场小时数, 排除故障小时数"),
    "tickets": ("Tickets", "工单数"),
    "responded_in_time": ("Responded in time", "按时响应"),
    "onsite_in_time": ("On site in time", "按时到场"),
    "fixed_in_time": ("Fault cleared in time", "按时排除故障"),
    "all_met": ("Every commitment met", "全部承诺均达成"),
    "task_solved": ("That matches the exercise. Well done.", "与练习答案一致，做得好。"),
    "task_not_yet": ("That is not the exercise's answer yet; check your inputs.",
                     "还不是练习的答案，请检查输入。"),
}


def label(key: str, locale: str = "en") -> str:
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if locale == "zh" else pair[0]
