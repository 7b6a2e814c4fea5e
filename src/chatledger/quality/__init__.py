"""Service quality: sessions, reply times, scripts, typos, tone, resolution, scores and reports."""
