import Glibc
import ProjCLI

/// The `proj` executable: everything lives in ProjCLI.
@main
enum Proj {
    static func main() async {
        exit(await ProjCommand.runMain())
    }
}
