#pragma once

// The store's SQLite vocabulary (private to daemon/state): every statement use resets through
// a guard and every transaction is an object, so no path can leave a read snapshot or a write
// transaction open. A statement left mid-step once kept SQLite from ever checkpointing the WAL.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/core/error.h"

namespace swas::state::sql {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// One use of a cached statement. Binds by position, steps, reads columns; reset and unbound
// when the guard goes, however the caller leaves.
class Query {
 public:
  explicit Query(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Query() { clear(); }
  Query(Query&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;

  explicit operator bool() const { return stmt_ != nullptr; }

  Query& text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& integer(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Query& optional(int i, const std::optional<int64_t>& v) {
    if (v) return integer(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  // After reading rows: ready to step again (bindings stay).
  void rewind() { sqlite3_reset(stmt_); }
  // Steps a statement that returns no rows; true on success. Resets it for the next use in a
  // loop (bindings stay, so rebinding only what changes is enough).
  bool run() {
    bool ok = sqlite3_step(stmt_) == SQLITE_DONE;
    sqlite3_reset(stmt_);
    return ok;
  }

  std::string columnText(int i) const {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  int64_t columnInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::optional<int64_t> columnOptional(int i) const {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return columnInt(i);
  }

 private:
  void clear() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* stmt_;
};

// A connection with its statement cache.
class Connection {
 public:
  sqlite3* get() const { return db_.get(); }
  void reset(sqlite3* db) {
    db_.reset(db);
    synced_ = true;
  }
  void close() {
    forget();
    db_.reset();
  }
  // Finalizes every cached statement (before a migration drops tables).
  void forget() { statements_.clear(); }
  // A guard over the cached statement for `sql`; empty (false) if it does not compile. The
  // lookup allocates nothing: a poll prepares a dozen statements.
  Query prepare(const char* sql) {
    auto it = statements_.find(std::string_view(sql));
    if (it == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return Query(nullptr);
      it = statements_.emplace(sql, Stmt(raw)).first;
    }
    return Query(it->second.get());
  }
  // A statement without rows, cached (BEGIN, COMMIT, ROLLBACK: once a poll, not parsed again).
  // Not for PRAGMAs: some act when compiled, so a cached one would do nothing the next time.
  bool run(const char* sql) {
    Query q = prepare(sql);
    return q && q.run();
  }
  bool exec(const char* sql) {
    return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  // Whether commits wait for the disk (synchronous=FULL, as opened) or only reach the WAL
  // (NORMAL: a power cut may take them back, a crash never). Set outside a transaction; SQLite
  // applies it when the PRAGMA runs. Remembered only once it took. Transaction sets it.
  bool setSynced(bool synced) {
    if (synced == synced_) return true;
    if (!exec(synced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")) return false;
    synced_ = synced;
    return true;
  }
  core::Error error(const std::string& what) const {
    return core::Error{.kind = core::ErrorKind::kStorage,
                       .code = "state",
                       .message = what + ": " + sqlite3_errmsg(db_.get())};
  }

 private:
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, Stmt, TextHash, std::equal_to<>> statements_;
  Db db_;
  bool synced_ = true;
};

// What a transaction's commit promises: kSynced (the default) is on disk when commit() returns;
// kUnsynced is in the WAL, for what the daemon can read again from the API (a power cut may take
// it back; a crash or kill -9 never does). The next synced commit syncs the whole WAL.
enum class Sync { kSynced, kUnsynced };

// BEGIN IMMEDIATE on construction, after setting the connection's synchronous level to `sync`
// when it differs (the level stays for the next: polls in a row that promise nothing parse no
// PRAGMA); ROLLBACK on destruction unless committed. Every write goes through one, so none
// runs at a level it did not ask for.
class Transaction {
 public:
  explicit Transaction(Connection& c, Sync sync = Sync::kSynced) : c_(c), open_(begin(c, sync)) {}
  ~Transaction() {
    if (open_) c_.run("ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  bool began() const { return open_; }
  bool commit() {
    if (!open_ || !c_.run("COMMIT")) return false;
    open_ = false;
    return true;
  }

 private:
  // A synced transaction that cannot make the connection synced does not begin; an unsynced one
  // that cannot relax it begins synced.
  static bool begin(Connection& c, Sync sync) {
    bool synced = c.setSynced(sync == Sync::kSynced);
    if (!synced && sync == Sync::kSynced) return false;
    return c.run("BEGIN IMMEDIATE");
  }
  Connection& c_;
  bool open_;
};

}  // namespace swas::state::sql
