"""Read-only collection scripts: POSIX sh for Linux, SQL for the databases."""

from types import ModuleType

from . import mssql, mysql, oracle, postgresql

# Database platform → script module (each has script() and USAGE).
DATABASE_SCRIPTS: dict[str, ModuleType] = {
    "mysql": mysql,
    "postgresql": postgresql,
    "oracle": oracle,
    "mssql": mssql,
}
