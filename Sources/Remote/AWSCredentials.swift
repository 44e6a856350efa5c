import Foundation

/// An access key as the AWS CLI finds it: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and
/// `AWS_SESSION_TOKEN`) in the environment, else the profile `AWS_PROFILE` (or `default`) of
/// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`), else of `~/.aws/config` (`AWS_CONFIG_FILE`, whose
/// sections are `[profile NAME]`). Where the key came from is kept for messages; the secret never is shown.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// `environment` or the file and profile it came from.
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String = "given") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    /// The key id and where it came from, never the secret.
    public var description: String { "access key \(accessKeyID) (from \(source))" }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The credentials the AWS CLI would use, or why there are none.
    public static func resolve(environment: [String: String], home: String) throws(Missing) -> AWSCredentials {
        if let id = nonEmpty(environment["AWS_ACCESS_KEY_ID"]) {
            guard let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"]) else {
                throw Missing(description: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]), source: "environment")
        }
        let profile = nonEmpty(environment["AWS_PROFILE"]) ?? nonEmpty(environment["AWS_DEFAULT_PROFILE"]) ?? "default"
        let files = [(nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]) ?? home + "/.aws/credentials", profile),
                     (nonEmpty(environment["AWS_CONFIG_FILE"]) ?? home + "/.aws/config", profile == "default" ? "default" : "profile " + profile)]
        for (path, section) in files {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let values = INIFile.section(section, in: text) else { continue }
            guard let id = nonEmpty(values["aws_access_key_id"]) else { continue }
            guard let secret = nonEmpty(values["aws_secret_access_key"]) else {
                throw Missing(description: "\(path) [\(section)] has aws_access_key_id but no aws_secret_access_key")
            }
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: nonEmpty(values["aws_session_token"]), source: "\(path) [\(section)]")
        }
        throw Missing(description: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile '\(profile)' in ~/.aws/credentials")
    }

    /// The region of the profile in `~/.aws/config`, when it names one (`AWS_REGION` is read before it).
    public static func region(environment: [String: String], home: String) -> String? {
        if let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) { return region }
        let profile = nonEmpty(environment["AWS_PROFILE"]) ?? "default"
        let path = nonEmpty(environment["AWS_CONFIG_FILE"]) ?? home + "/.aws/config"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return INIFile.section(profile == "default" ? "default" : "profile " + profile, in: text)?["region"]
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}

/// The INI dialect of AWS's shared files: `[section]` heads, `key = value` lines, `#` and `;` comments.
enum INIFile {
    /// The keys of `section` (lower-cased), or nil when there is no such section.
    static func section(_ name: String, in text: String) -> [String: String]? {
        var current: String?, found: [String: String]?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if current == name && found == nil { found = [:] }
                continue
            }
            guard current == name, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            found?[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return found
    }
}
