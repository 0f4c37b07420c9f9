"""Headers a roster file may use for each field, in English and Chinese (case and width folded)."""

SYNONYMS: dict[str, list[str]] = {
    "employee_id": ["工号", "员工编号", "员工号", "职工号", "人员编号", "编号", "employee id", "emp_id",
                    "emp_no", "staff_id", "staff_no", "id"],
    "name": ["姓名", "名字", "员工姓名", "full_name", "staff_name", "employee_name"],
    "team": ["团队", "班组", "小组", "组别", "所属团队", "team_name"],
    "role": ["岗位", "角色", "职位", "岗位类别", "position", "job", "job_title", "title"],
    "supervisor": ["上级", "直属上级", "上级工号", "主管工号", "汇报对象", "supervisor_id", "reports_to",
                   "line_manager"],
    "hire_date": ["入职日期", "入职时间", "入职", "hired", "start_date", "date_hired"],
    "active": ["在职", "状态", "在职状态", "是否在职", "status"],
    "region": ["区域", "地区", "大区", "team_region"],
    "team_manager": ["团队经理", "负责经理", "部门经理", "manager"],
}

REQUIRED = ("employee_id", "name", "team", "role")
