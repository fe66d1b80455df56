"""Pure domain layer: money, rulebooks, working-day calendars, price tests and credit codes (standard library only)."""
