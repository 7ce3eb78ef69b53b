"""`python -m bonta.cli`: the same as the `bonta` console script."""

import sys

from bonta.cli.main import main

sys.exit(main())
