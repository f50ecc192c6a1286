"""``python -m testkit.world OUT_DIR [--seed N] [--customers N]``: write a ChannelCo demo world."""

from testkit.world.cli import main

raise SystemExit(main())
