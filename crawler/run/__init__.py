"""The run around the stages: which URL goes next (frontier), and later the coordinator
and the transports that carry checks to workers."""
