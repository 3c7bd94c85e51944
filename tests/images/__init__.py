"""Helpers for the image header tests: byte-exact builders of files Pillow cannot write."""
