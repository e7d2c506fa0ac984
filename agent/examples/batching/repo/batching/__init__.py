from .chunks import batch_count, chunked

__all__ = ["batch_count", "chunked"]
