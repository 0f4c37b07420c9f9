"""Operational KPIs from service tickets, KPI items and monthly performance pay."""
