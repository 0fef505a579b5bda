#!/usr/bin/env python
from bianzhi.cli import main

if __name__ == "__main__":
    main()
