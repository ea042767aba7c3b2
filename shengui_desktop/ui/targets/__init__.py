"""The 目标任务 page."""
