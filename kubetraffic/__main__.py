"""``python -m kubetraffic``."""

from kubetraffic.cli.main import main

main()
