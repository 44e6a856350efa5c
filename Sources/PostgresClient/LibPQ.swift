import Glibc

/// PostgreSQL's client library, loaded when the first connection is made rather than linked: a process that
/// never talks to PostgreSQL (a served model, a pipeline on SQLite) then does not map libpq and what it
/// pulls in (LDAP, Kerberos, GnuTLS: megabytes of resident memory). Only `PostgresConnection` calls these.
struct LibPQ: @unchecked Sendable {
    // libpq's enum values used here (libpq-fe.h: ConnStatusType, ExecStatusType).
    static let connectionOK: Int32 = 0
    static let commandOK: Int32 = 1, tuplesOK: Int32 = 2, copyOut: Int32 = 3, copyIn: Int32 = 4

    let connectdb: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    let status: @convention(c) (OpaquePointer?) -> Int32
    let errorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let finish: @convention(c) (OpaquePointer?) -> Void
    let reset: @convention(c) (OpaquePointer?) -> Void
    let setNoticeProcessor: @convention(c) (OpaquePointer?, (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void)?,
                                            UnsafeMutableRawPointer?) -> OpaquePointer?
    let exec: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    let execParams: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?,
                                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> OpaquePointer?
    let clear: @convention(c) (OpaquePointer?) -> Void
    let resultStatus: @convention(c) (OpaquePointer?) -> Int32
    let resultErrorField: @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
    let nfields: @convention(c) (OpaquePointer?) -> Int32
    let ntuples: @convention(c) (OpaquePointer?) -> Int32
    let fname: @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
    let ftype: @convention(c) (OpaquePointer?, Int32) -> UInt32
    let getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let putCopyData: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    let putCopyEnd: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    let getCopyData: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, Int32) -> Int32
    let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let getResult: @convention(c) (OpaquePointer?) -> OpaquePointer?

    /// The library, loaded once; the error says what to install when it cannot be.
    static func loaded() throws(PostgresError) -> LibPQ { try shared.get() }

    private static let shared: Result<LibPQ, PostgresError> = load()

    private static func load() -> Result<LibPQ, PostgresError> {
        let file = "libpq.so.5"
        guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(PostgresError("PostgreSQL's client library cannot be loaded (\(reason)); install it (Debian and Ubuntu: apt-get install libpq5)"))
        }
        func symbol<T>(_ name: String) throws(PostgresError) -> T {
            guard let address = dlsym(handle, name) else {
                throw PostgresError("PostgreSQL's client library \(file) lacks \(name): it is too old, or not libpq")
            }
            return unsafeBitCast(address, to: T.self)
        }
        return Result { () throws(PostgresError) in
            try LibPQ(connectdb: symbol("PQconnectdb"), status: symbol("PQstatus"), errorMessage: symbol("PQerrorMessage"),
                      finish: symbol("PQfinish"), reset: symbol("PQreset"), setNoticeProcessor: symbol("PQsetNoticeProcessor"),
                      exec: symbol("PQexec"), execParams: symbol("PQexecParams"), clear: symbol("PQclear"),
                      resultStatus: symbol("PQresultStatus"), resultErrorField: symbol("PQresultErrorField"),
                      nfields: symbol("PQnfields"), ntuples: symbol("PQntuples"), fname: symbol("PQfname"), ftype: symbol("PQftype"),
                      getisnull: symbol("PQgetisnull"), getvalue: symbol("PQgetvalue"), putCopyData: symbol("PQputCopyData"),
                      putCopyEnd: symbol("PQputCopyEnd"), getCopyData: symbol("PQgetCopyData"), freemem: symbol("PQfreemem"),
                      getResult: symbol("PQgetResult"))
        }
    }
}
