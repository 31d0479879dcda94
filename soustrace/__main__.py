from soustrace.cli import main

main()
