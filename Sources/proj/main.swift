import ProjCLI

await ProjCommand.main()
