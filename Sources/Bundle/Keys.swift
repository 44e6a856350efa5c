import Crypto
import Fingerprint
import Foundation

/// A public key someone trusts, with the name it was given.
public struct PublicKey: Sendable, Equatable {
    public var name: String
    public var raw: Data
    /// Where it was read from.
    public var source: String

    /// The first 16 hex digits of the key's SHA-256: short, and enough to tell keys apart.
    public var id: String { KeyStore.keyID(raw) }

    /// The `.pub` file text: `ed25519 <base64> <name>`.
    public var text: String { "ed25519 \(raw.base64EncodedString()) \(name)\n" }

    /// Parses a `.pub` file.
    public static func parse(_ text: String, source: String) throws(BundleError) -> PublicKey {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "ed25519", let raw = Data(base64Encoded: String(parts[1])), raw.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw .key("\(source): not a proj public key (expected one line `ed25519 <base64 key> <name>`)")
        }
        return PublicKey(name: parts.count > 2 ? String(parts[2]) : "", raw: raw, source: source)
    }
}

/// Ed25519 key pairs under `<config>/keys/` and trusted public keys under `<config>/trusted/`,
/// where `<config>` is `$PROJ_CONFIG_DIR`, else `$XDG_CONFIG_HOME/proj`, else `~/.config/proj`.
public struct KeyStore: Sendable {
    public let directory: String

    public init(directory: String = KeyStore.defaultDirectory()) {
        self.directory = directory
    }

    public static func defaultDirectory(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = env["PROJ_CONFIG_DIR"], !dir.isEmpty { return dir }
        if let xdg = env["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/proj" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.config/proj"
    }

    public var keysDirectory: String { directory + "/keys" }
    public var trustedDirectory: String { directory + "/trusted" }

    static func keyID(_ raw: Data) -> String { String(Hex.sha256(raw).prefix(16)) }

    static func checkName(_ name: String) throws(BundleError) {
        guard !name.isEmpty, !name.hasPrefix("."), name.count <= 64,
              name.unicodeScalars.allSatisfy({ ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "._-".unicodeScalars.contains($0) }) else {
            throw .key("bad key name '\(name)': use letters, digits, '.', '_' and '-' (up to 64)")
        }
    }

    /// Creates `keys/NAME.key` (mode 0600) and `keys/NAME.pub`; refuses to overwrite either.
    public func generate(name: String) throws(BundleError) -> PublicKey {
        try KeyStore.checkName(name)
        let privatePath = keysDirectory + "/\(name).key", publicPath = keysDirectory + "/\(name).pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw .key("\(path) already exists; keys are never overwritten (pick another name or delete it yourself)")
        }
        do {
            try FileManager.default.createDirectory(atPath: keysDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .file(.unwritable(path: keysDirectory, reason: FileSystem.reason(of: error)))
        }
        let key = Curve25519.Signing.PrivateKey()
        let secret = "proj-ed25519-private-key \(key.rawRepresentation.base64EncodedString())\n"
        let fd = open(privatePath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .file(.unwritable(path: privatePath, reason: FileSystem.errorText())) }
        let written = FileSystem.writeAll(fd, Array(secret.utf8)[...]) && fsync(fd) == 0
        close(fd)
        guard written else {
            unlink(privatePath)
            throw .file(.unwritable(path: privatePath, reason: FileSystem.errorText()))
        }
        let pub = PublicKey(name: name, raw: key.publicKey.rawRepresentation, source: publicPath)
        do { try AtomicFile.write(pub.text, to: publicPath) } catch {
            unlink(privatePath)
            throw .file(error)
        }
        return pub
    }

    /// The private key `keys/NAME.key` and its public half.
    public func signingKey(name: String) throws(BundleError) -> (Curve25519.Signing.PrivateKey, PublicKey) {
        try KeyStore.checkName(name)
        let path = keysDirectory + "/\(name).key"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .key("no signing key '\(name)' (\(path)); create one with `proj keys generate \(name)`")
        }
        if let st = FileSystem.stat(path), st.mode & 0o077 != 0 {
            throw .key("\(path) is readable by others (mode \(String(st.mode, radix: 8))); run `chmod 600 \(path)`")
        }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard parts.count == 2, parts[0] == "proj-ed25519-private-key", let raw = Data(base64Encoded: String(parts[1])),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw .key("\(path): not a proj private key")
        }
        return (key, PublicKey(name: name, raw: key.publicKey.rawRepresentation, source: path))
    }

    /// Keys trusted for verification: `trusted/*.pub`, this machine's own `keys/*.pub`, and `extra` files.
    public func trusted(extra: [String]) throws(BundleError) -> [PublicKey] {
        var keys: [PublicKey] = []
        for path in extra {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .key("cannot read trusted key \(path)") }
            keys.append(try PublicKey.parse(text, source: path))
        }
        for dir in [trustedDirectory, keysDirectory] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".pub") }.sorted()
            for name in names {
                guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8),
                      let key = try? PublicKey.parse(text, source: dir + "/" + name) else { continue }
                keys.append(key)
            }
        }
        return keys
    }

    /// Copies a public key file into `trusted/` under its own name.
    public func trust(file: String) throws(BundleError) -> PublicKey {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw .key("cannot read \(file)") }
        var key = try PublicKey.parse(text, source: file)
        if key.name.isEmpty { key.name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }
        try KeyStore.checkName(key.name)
        let target = trustedDirectory + "/\(key.name).pub"
        if let existing = try? String(contentsOfFile: target, encoding: .utf8), existing != key.text {
            throw .key("\(target) already holds a different key named '\(key.name)'")
        }
        do { try AtomicFile.write(key.text, to: target) } catch { throw .file(error) }
        return key
    }
}
