"""An in-process job queue with priorities, delays and retries."""
from .queue import Job, JobQueue, QueueEmpty

__all__ = ["Job", "JobQueue", "QueueEmpty"]
