from academy.cli import main

main()
