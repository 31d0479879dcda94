"""Spiders: one small module per source on the shared windowed base; they fetch and never parse."""
