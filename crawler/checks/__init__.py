"""Checks run on fetched responses: links, images, AMP."""
