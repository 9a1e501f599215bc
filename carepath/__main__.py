from carepath.cli import main

raise SystemExit(main())
