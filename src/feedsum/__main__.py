from feedsum.cli import main

main()
