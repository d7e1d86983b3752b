"""Routes of this part of the workbench (filled in by its own module)."""

urlpatterns: list = []
