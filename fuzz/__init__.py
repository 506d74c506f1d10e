"""Fuzz targets for the parsers of websockets: see README.md."""
