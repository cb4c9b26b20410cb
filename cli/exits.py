"""Exit statuses of ``psm`` (also in the README), so that a script cannot miss a problem.

  0  done, every input row used
  1  stopped: a file or the policy could not be used (the message says which and how to fix it)
  2  the command line itself is wrong (argparse's usage message)
  3  done for the valid rows, but some rows were rejected: see rejects.csv
  4  the bundle does not match its manifest (psm verify: does not reproduce); the files that differ
     are named, and nothing is built on it
"""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTED, EXIT_VERIFY_FAILED = 0, 1, 2, 3, 4

__all__ = ["EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_REJECTED", "EXIT_VERIFY_FAILED"]
