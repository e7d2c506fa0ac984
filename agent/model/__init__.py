"""Model access: one `Model` Protocol, a litellm client, and the embedded llama.cpp default."""
