"""``python -m tachtu`` = the ``tachtu`` command."""

from .cli import main

raise SystemExit(main())
