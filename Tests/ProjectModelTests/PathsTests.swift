@testable import ProjectModel
import Testing

/// The one path check, on bytes: what grapheme clusters would hide, it sees.
@Suite struct PathsTests {
    @Test func aSlashJoinedToAMarkIsStillASlash() {
        // "/" + U+0301 and "/" + U+200D are one Character each, so a Character split misses the '/'.
        #expect("../\u{301}x".split(separator: "/").count == 1)
        #expect(Paths.components("../\u{301}x") == ["..", "\u{301}x"])
        #expect(Paths.problem("../\u{301}x") == "path escapes its directory ('..')")
        #expect(Paths.problem("a/../\u{200D}b") == "path escapes its directory ('..')")
        #expect(Paths.problem("a/..\u{301}/b") == nil, "'..' followed by a mark is an ordinary name")
        #expect(Paths.normalize("a/../../\u{301}x") == nil)
        #expect(Paths.normalize("a/./b//c") == "a/b/c")
    }

    @Test func problemsAreNamed() {
        #expect(Paths.problem("model/a.bin") == nil)
        #expect(Paths.problem("") == "empty name")
        #expect(Paths.problem("/etc/passwd") == "absolute path")
        #expect(Paths.problem("a\\b") == "backslash in the name")
        #expect(Paths.problem("a\u{1B}b") == "control character in the name")
        #expect(Paths.problem("a//b") == "path is not normalised ('a//b')")
        #expect(Paths.problem("a/./b") == "path is not normalised ('a/./b')")
        #expect(Paths.problem(String(repeating: "x", count: 256)) == "path component longer than 255 bytes")
    }

    @Test func withinComparesBytes() {
        #expect(Paths.isWithin("model/a", "model"))
        #expect(!Paths.isWithin("models/a", "model"))
        // "/" + U+0301 after "model": the bytes say inside, whatever the Characters say.
        #expect(Paths.isWithin("model/\u{301}a", "model"))
        #expect(!Paths.same("\u{E9}", "e\u{301}"))
        #expect("\u{E9}" == "e\u{301}")
    }

    @Test func collisionsOnOtherFileSystems() {
        #expect(Paths.collision(in: ["a/b", "a/c", "d"]) == nil)
        #expect(Paths.collision(in: ["model", "model/m.bin"])?.reason == "listed both as a file and as the directory of 'model/m.bin'")
        #expect(Paths.collision(in: ["README", "readme"])?.name == "readme")
        #expect(Paths.collision(in: ["\u{E9}.txt", "e\u{301}.txt"]) != nil)
        #expect(Paths.collision(in: ["Dir/a", "dir/b"])?.reason == "its directory 'dir' differs from 'Dir' only in case, Unicode normalisation or trailing dots and spaces")
        #expect(Paths.collision(in: ["X", "x/y"]) != nil)
        #expect(Paths.collision(in: ["notes.txt", "notes.txt."])?.name == "notes.txt.", "Windows drops trailing dots")
        #expect(Paths.collision(in: ["a/b ", "a/b"]) != nil, "and trailing spaces")
        #expect(Paths.collision(in: ["a..b", "a.b"]) == nil)
    }

    @Test func printableEscapesWhatMovesTheTerminal() {
        #expect(Paths.printable("a\u{1B}[2Jb\r\0") == "a\\e[2Jb\\r\\0")
        #expect(Paths.printable("evil\u{202E}txt.exe") == "evil\\u{202E}txt.exe")
        #expect(Paths.printable("two\nlines", keepNewlines: true) == "two\nlines")
        #expect(Paths.printable("two\nlines") == "two\\nlines")
        #expect(Paths.printable("caf\u{E9}") == "caf\u{E9}")
    }
}
