import ProjCLI

/// The `proj` executable: everything lives in ProjCLI.
@main
enum Proj {
    static func main() async {
        await ProjCommand.main(nil)
    }
}
