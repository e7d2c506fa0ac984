"""Business-day arithmetic for due dates and SLAs."""
from .calendar import add_business_days, business_days_between, is_business_day, next_business_day

__all__ = ["add_business_days", "business_days_between", "is_business_day", "next_business_day"]
