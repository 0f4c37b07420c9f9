"""Voila dashboards for managers, trainees and trainers, and the small code that draws them."""

__all__: list[str] = []
