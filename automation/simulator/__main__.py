"""`python -m automation.simulator`: run the simulator until SIGINT/SIGTERM."""

import sys

from automation.simulator.server import main

sys.exit(main())
