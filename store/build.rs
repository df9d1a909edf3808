// `sqlx::migrate!` embeds the migration folders at compile time; rebuild when they change
// (other crates add their read-model migrations to the same folders).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
