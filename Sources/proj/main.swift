import ProjCLI
ProjCommand.main()
