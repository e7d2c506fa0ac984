from .report import class_report, letter, summarize

__all__ = ["class_report", "letter", "summarize"]
