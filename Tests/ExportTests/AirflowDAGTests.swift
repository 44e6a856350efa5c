import Foundation
import ProjectModel
import Testing
@testable import Export

@Suite struct AirflowDAGTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static func load(_ directory: String) throws -> Project {
        let text = try String(contentsOfFile: directory + "/project.yaml", encoding: .utf8)
        let params = try? String(contentsOfFile: directory + "/params.yaml", encoding: .utf8)
        return try ProjectLoader.parse(project: text, params: params, exists: { _ in true })
    }

    static let options = AirflowDAG.Options(
        dagID: "phishing-detector", repository: "https://git.example.org/ml/proj.git", revision: String(repeating: "ab", count: 20),
        directory: "", remote: "storage", tracking: "postgres://proj@db.example.org:5432/proj",
        regenerate: "proj export airflow --remote storage --tracking postgres://proj@db.example.org:5432/proj -o dags/phishing-detector.py")

    /// The flagship's DAG, byte for byte. Regenerate the file with PROJ_UPDATE_GOLDEN=1 when the change is meant.
    @Test func theFlagshipsDAGIsTheGoldenOne() throws {
        let text = AirflowDAG(project: try Self.load(Self.repository), options: Self.options).text
        let path = Self.golden + "/phishing-detector.py"
        if ProcessInfo.processInfo.environment["PROJ_UPDATE_GOLDEN"] == "1" { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == expected, "the generated DAG differs from \(path); PROJ_UPDATE_GOLDEN=1 writes it again")
        // The same project and options give the same bytes.
        #expect(AirflowDAG(project: try Self.load(Self.repository), options: Self.options).text == text)
    }

    @Test func foreachItemsAndOddNamesBecomeValidTaskIDs() throws {
        #expect(AirflowDAG.taskIDs(["train@small", "train__small", "a b", "a_b", "ok.1-x"]) == ["train__small", "train__small_2", "a_b", "a_b_2", "ok.1-x"])
        #expect(AirflowDAG.dagID(for: "my project/é") == "my_project__")
        #expect(Python.string("a\"b\\c\n\u{1B}é\u{1F600}") == "\"a\\\"b\\\\c\\n\\x1b\\xe9\\U0001f600\"")
        #expect(Python.comment("x\ny\u{1B}") == "x?y?")
    }

    @Test func aHostileStageNameStaysData() throws {
        let yaml = """
            name: p
            version: 1.0.0
            stages:
              "x\\"+__import__('os').system('id')+\\"":
                cmd: echo a > a.txt
                outs: [a.txt]
              "$(id)":
                cmd: cat a.txt > b.txt
                deps: [a.txt]
                outs: [b.txt]

            """
        let project = try ProjectLoader.parse(project: yaml, params: nil, exists: { _ in true })
        let text = AirflowDAG(project: project, options: Self.options).text
        #expect(text.contains(#"tasks["x____import____os__.system__id____"] = stage_task("x____import____os__.system__id____", "x\"+__import__('os').system('id')+\"", [])"#), "\(text)")
        #expect(text.contains(#"tasks["__id_"] = stage_task("__id_", "$(id)", ["x\"+__import__('os').system('id')+\""])"#), "\(text)")
    }
}
