import Foundation
import Testing

/// `proj remote`: the project's remotes in `.projconfig.yaml`, as a user adds, lists and removes them, and
/// every bad name, URL or file refused by name with nothing written.
@Suite struct RemoteCLITests {
    static func project() throws -> TempProject { try TempProject(["project.yaml": "name: demo\nstages: {}\n"]) }

    @Test func remotesAreAddedListedMadeDefaultAndRemoved() throws {
        let p = try Self.project()
        #expect(try p.proj("remote", "list").out == "No remotes: `proj remote add NAME URL` adds one.\n")
        var r = try p.proj("remote", "add", "storage", "s3://ml-artifacts/phishing/", "--endpoint", "http://127.0.0.1:9000", "--region", "eu-west-1")
        #expect(r.code == 0 && r.out == "Added remote 'storage' (s3://ml-artifacts/phishing/), the default.\n", "\(r.err)")
        r = try p.proj("remote", "add", "nfs", "file:///srv/proj")
        #expect(r.code == 0 && r.out == "Added remote 'nfs' (file:///srv/proj).\n")
        #expect(try p.proj("remote", "add", "local", "../shared-store").code == 0)
        #expect(p.read(".projconfig.yaml") == """
            # proj's remotes (`proj remote add|remove|default`); credentials are read as the AWS CLI reads them, never from here.
            remotes:
              storage: {url: s3://ml-artifacts/phishing/, endpoint: http://127.0.0.1:9000, region: eu-west-1}
              nfs: {url: file:///srv/proj}
              local: {url: ../shared-store}
            default: storage

            """, "\(p.read(".projconfig.yaml") ?? "")")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(try p.proj("remote", "list", "--json").out.utf8)) as? [[String: Any]])
        #expect(listed.compactMap { $0["name"] as? String } == ["storage", "nfs", "local"])
        #expect(listed.first?["default"] as? Bool == true && listed.first?["endpoint"] as? String == "http://127.0.0.1:9000")
        #expect(try p.proj("remote", "default").out == "storage\n")
        #expect(try p.proj("remote", "default", "nfs").out == "The default remote is now 'nfs'.\n")
        let table = try p.proj("remote", "list").out
        #expect(table.contains("*  nfs") && table.contains("s3://ml-artifacts/phishing/"), "\(table)")
        #expect(try p.proj("remote", "remove", "nfs").out == "Removed remote 'nfs'.\n")
        r = try p.proj("remote", "default")
        #expect(r.code == 2 && r.err == "Error: no default remote: give -r NAME or `proj remote default NAME`\n")
    }

    @Test func badRemotesAreRefusedAndNothingIsWritten() throws {
        let p = try Self.project()
        #expect(try p.proj("remote", "add", "storage", "s3://bucket").code == 0)
        let before = p.read(".projconfig.yaml")
        for (arguments, message) in [
            (["remote", "add", "storage", "s3://other"], "a remote 'storage' exists already; remove it first"),
            (["remote", "add", "bad name", "s3://bucket"], "'bad name' is not a remote name (letters, digits, - and _; at most 64)"),
            (["remote", "add", "x", "s3://AKIA:secret@bucket/p"], "remote 'x': credentials never go in a remote's URL (they are read as the AWS CLI reads them)"),
            (["remote", "add", "x", "s3://Bad_Bucket"], "remote 'x': 'Bad_Bucket' is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)"),
            (["remote", "add", "x", "gs://bucket"], "remote 'x': unknown URL scheme 'gs' (expected s3://BUCKET/PREFIX, file:///PATH or a directory)"),
            (["remote", "add", "x", "file://relative"], "remote 'x': a file:// URL needs an absolute path (file:///srv/proj)"),
            (["remote", "add", "x", "s3://bucket", "--endpoint", "ftp://h"], "--endpoint 'ftp://h' must be an http:// or https:// address without credentials"),
            (["remote", "add", "x", "s3://bucket", "--endpoint", "http://key:secret@h"], "--endpoint 'http://key:secret@h' must be an http:// or https:// address without credentials"),
            (["remote", "remove", "nope"], "no remote 'nope' (known: storage)"),
            (["remote", "default", "nope"], "no remote 'nope' (known: storage)"),
        ] {
            let r = try p.proj(arguments)
            #expect(r.code == 2 && r.err == "Error: \(message)\n", "\(arguments): \(r.err)")
            #expect(p.read(".projconfig.yaml") == before)
        }
        // A hand-edited file with a secret in it, or a default that is not there, is named.
        try p.write(".projconfig.yaml", "remotes:\n  s: {url: 's3://bucket', secret_access_key: x}\n")
        var r = try p.proj("remote", "list")
        #expect(r.code == 2 && r.err == "Error: .projconfig.yaml: remote 's' has an unknown key 'secret_access_key' (expected url, endpoint, region, part_size_mib; credentials never go here)\n")
        for size in ["2", "6000", "'8'", "1.5"] {
            try p.write(".projconfig.yaml", "remotes:\n  s: {url: 's3://bucket', part_size_mib: \(size)}\n")
            r = try p.proj("remote", "list")
            #expect(r.code == 2 && r.err == "Error: .projconfig.yaml: remote 's': part_size_mib must be a whole number from 5 to 5120 (S3's limits)\n", "\(size): \(r.err)")
        }
        try p.write(".projconfig.yaml", "remotes:\n  s: {url: 's3://bucket'}\ndefault: t\n")
        r = try p.proj("remote", "list")
        #expect(r.code == 2 && r.err == "Error: .projconfig.yaml: the default remote 't' is not among its remotes\n")
    }
}
