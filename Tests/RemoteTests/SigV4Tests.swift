import Foundation
import Testing
@testable import Remote

/// proj's SigV4 signer against AWS's published example and against botocore's own signer (the oracle),
/// over requests with awkward paths, queries, headers, session tokens and unsigned payloads.
@Suite struct SigV4Tests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let example = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    /// 2013-05-24T00:00:00Z.
    static let exampleDate = Date(timeIntervalSince1970: 1_369_353_600)

    static func authorization(_ headers: [(name: String, value: String)]) -> String { headers.first { $0.name == "Authorization" }?.value ?? "" }

    /// AWS's example "GET Object" (S3 API reference, Signature Version 4, single chunk).
    @Test func awsPublishedGetObjectExample() {
        let signer = SigV4(credentials: Self.example, region: "us-east-1")
        let request = SigV4.Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", headers: [("Range", "bytes=0-9")])
        let headers = signer.headers(for: request, payloadSHA256: SigV4.sha256(Data()), date: Self.exampleDate)
        #expect(Self.authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        #expect(!headers.contains { $0.name == "x-amz-security-token" })
    }

    /// The python with botocore: `.build/test-venvs/s3` (which `.ci/run` fills with moto's server), made here when missing.
    static func python() throws -> String {
        let venv = packageRoot + "/.build/test-venvs/s3"
        let python = venv + "/bin/python"
        if (try? run(python, ["-c", "import botocore"], input: nil).code) != 0 {
            try #require(try run("/usr/bin/env", ["python3", "-m", "venv", venv], input: nil).code == 0, "python3 -m venv failed")
            try #require(try run(venv + "/bin/pip", ["install", "-q", "botocore"], input: nil).code == 0, "pip install botocore failed")
        }
        return python
    }

    static func run(_ executable: String, _ arguments: [String], input: Data?) throws -> (code: Int32, out: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, out)
    }

    struct Case {
        var method: String
        var scheme = "http"
        var host: String
        var path: String
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body = ""
        var token: String?
        var region = "us-east-1"
        var unsigned = false
    }

    static let cases: [Case] = [
        Case(method: "GET", host: "127.0.0.1:5000", path: "/bucket/objects/ab/abcdef", headers: [("Range", "bytes=0-9")]),
        Case(method: "PUT", host: "127.0.0.1:5000", path: "/bucket/cache/00/0011", headers: [("Content-Type", "application/octet-stream")], body: "hello, world\n"),
        Case(method: "PUT", host: "bucket.s3.eu-west-1.amazonaws.com", path: "/a b/ü/€/x+y=z&w", body: "data", region: "eu-west-1"),
        Case(method: "GET", host: "127.0.0.1:9000", path: "/bucket", query: [("list-type", "2"), ("prefix", "runs/train/"), ("max-keys", "1000"),
                                                                                ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")]),
        Case(method: "GET", host: "127.0.0.1:9000", path: "/bucket", query: [("uploads", ""), ("prefix", "a b+c")]),
        Case(method: "POST", host: "127.0.0.1:9000", path: "/bucket/big.bin", query: [("uploadId", "VXBsb2FkIElE~_-."), ("partNumber", "3")], body: "part"),
        Case(method: "HEAD", host: "127.0.0.1:9000", path: "/bucket/objects/ff/ff00", token: "FQoGZXIvYXdzEJr//////////wEaDOn/token+with=signs"),
        Case(method: "PUT", host: "127.0.0.1:9000", path: "/bucket/index.yaml", headers: [("If-None-Match", "*"), ("X-Amz-Meta-Note", "  two   spaces  ")], body: "a: 1\n"),
        Case(method: "PUT", scheme: "https", host: "bucket.s3.amazonaws.com", path: "/stream.bin", body: "streamed", unsigned: true),
        Case(method: "DELETE", host: "localhost:5000", path: "/bucket/objects/~tilde/.dot/-dash/_under"),
    ]

    @Test func botocoreSignsEveryCaseAsProjDoes() throws {
        let python = try Self.python()
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let stamp = "20261203T101112Z"
        let date = Date(timeIntervalSince1970: 1_796_292_672) // 2026-12-03T10:11:12Z
        var requests: [[String: Any]] = []
        for c in Self.cases {
            var request: [String: Any] = [
                "method": c.method, "url": "\(c.scheme)://\(c.host)\(SigV4.encode(c.path, slash: false))",
                "params": Dictionary(uniqueKeysWithValues: c.query.map { ($0.name, $0.value) }),
                "headers": Dictionary(uniqueKeysWithValues: c.headers.map { ($0.name, $0.value) }),
                "body": c.body, "timestamp": stamp, "key": "AKIDEXAMPLE", "secret": secret, "region": c.region, "unsigned": c.unsigned,
            ]
            if let token = c.token { request["token"] = token }
            requests.append(request)
        }
        let result = try Self.run(python, [Self.packageRoot + "/scripts/sigv4-oracle.py"], input: try JSONSerialization.data(withJSONObject: requests))
        try #require(result.code == 0, "botocore's signer failed: \(String(decoding: result.out, as: UTF8.self))")
        let oracle = try #require(try JSONSerialization.jsonObject(with: result.out) as? [[String: String]])
        try #require(oracle.count == Self.cases.count)
        for (c, expected) in zip(Self.cases, oracle) {
            let signer = SigV4(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: c.token), region: c.region)
            let request = SigV4.Request(method: c.method, host: c.host, path: c.path, query: c.query, headers: c.headers)
            let payload = c.unsigned ? SigV4.unsignedPayload : SigV4.sha256(Data(c.body.utf8))
            let headers = signer.headers(for: request, payloadSHA256: payload, date: date)
            let auth = Self.authorization(headers)
            #expect(auth.hasSuffix("SignedHeaders=\(expected["signed_headers"] ?? "?"), Signature=\(expected["signature"] ?? "?")"),
                    "\(c.method) \(c.path): ours \(SigV4.canonicalRequest(SigV4.Request(method: c.method, host: c.host, path: c.path, query: c.query, headers: c.headers + headers.filter { $0.name != "Authorization" }), payloadSHA256: payload).text)\nbotocore's \(expected["canonical_request"] ?? "")")
            #expect(auth.contains("Credential=AKIDEXAMPLE/20261203/\(c.region)/s3/aws4_request") && !auth.contains(secret))
        }
    }

    @Test func credentialsAreFoundAsTheAWSCLIFindsThem() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("proj-aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = s3cr3t-default
            # a comment
            [ci]
            aws_access_key_id=AKIDCI
            aws_secret_access_key=s3cr3t-ci
            aws_session_token = tok
            [broken]
            aws_access_key_id = AKIDBROKEN
            """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile other]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s3cr3t-config\nregion = eu-central-1\n"
            .write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)

        let env = try AWSCredentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "t"], home: home)
        #expect(env.accessKeyID == "AKIDENV" && env.sessionToken == "t" && env.source == "environment")
        #expect(try AWSCredentials.resolve(environment: [:], home: home).accessKeyID == "AKIDDEFAULT")
        let ci = try AWSCredentials.resolve(environment: ["AWS_PROFILE": "ci"], home: home)
        #expect(ci.accessKeyID == "AKIDCI" && ci.sessionToken == "tok" && ci.source == home + "/.aws/credentials [ci]")
        #expect(try AWSCredentials.resolve(environment: ["AWS_PROFILE": "other"], home: home).accessKeyID == "AKIDCONFIG")
        #expect(AWSCredentials.region(environment: ["AWS_PROFILE": "other"], home: home) == "eu-central-1")
        #expect(AWSCredentials.region(environment: ["AWS_REGION": "us-west-2", "AWS_PROFILE": "other"], home: home) == "us-west-2")
        #expect(ci.description == "access key AKIDCI (from \(home)/.aws/credentials [ci])" && !ci.description.contains("s3cr3t"))

        for (environment, message) in [
            (["AWS_ACCESS_KEY_ID": "AKID"], "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"),
            (["AWS_PROFILE": "broken"], "\(home)/.aws/credentials [broken] has aws_access_key_id but no aws_secret_access_key"),
            (["AWS_PROFILE": "nobody"], "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile 'nobody' in ~/.aws/credentials"),
        ] {
            do {
                _ = try AWSCredentials.resolve(environment: environment, home: home)
                Issue.record("credentials found for \(environment)")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}
