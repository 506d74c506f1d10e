"""Tests for the asyncio implementation (ws-asyncio)."""
