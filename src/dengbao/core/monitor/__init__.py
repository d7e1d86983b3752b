"""Website monitoring engine (pure asyncio core, no Django)."""
