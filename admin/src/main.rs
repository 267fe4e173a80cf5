//! `taskmoney-admin`: the operator's command line. It works on the running local stack
//! (`--local`), a deployed stack (`--stack NAME`, table names from its CloudFormation outputs, the
//! operator's own AWS credentials) or tables named on the command line, through the functions' own
//! stores and account operations. Every change is written as one JSON audit line to standard error
//! (and, for a deployed stack, into its audit table).

mod audit;
mod commands;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};

use commands::sessions::Which;
use commands::{Admin, Change, Report};
use target::{Tables, Target, Where};

#[derive(Parser)]
#[command(
    name = "taskmoney-admin",
    about = "Find, create, disable, enable and delete users; end sessions; count what is stored"
)]
struct Cli {
    #[command(flatten)]
    place: Place,
    /// Answer JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Place {
    /// The running local stack (local/start): DynamoDB Local, its tables and its gateway.
    #[arg(long, global = true, conflicts_with = "stack")]
    local: bool,
    /// The local stack's state folder (default: local/.state of the repository you are in).
    #[arg(long, global = true, requires = "local")]
    state_dir: Option<PathBuf>,
    /// A deployed stack: its tables from its CloudFormation outputs, your AWS credentials.
    #[arg(long, global = true)]
    stack: Option<String>,
    /// The deployed stack's region (default: your AWS configuration's).
    #[arg(long, global = true, requires = "stack")]
    region: Option<String>,
    /// Tables by name (instead of --local or --stack), with your AWS configuration.
    #[arg(long, global = true)]
    users_table: Option<String>,
    #[arg(long, global = true)]
    sessions_table: Option<String>,
    #[arg(long, global = true)]
    connections_table: Option<String>,
    #[arg(long, global = true)]
    tasks_table: Option<String>,
    #[arg(long, global = true)]
    expenses_table: Option<String>,
    #[arg(long, global = true)]
    budgets_table: Option<String>,
    #[arg(long, global = true)]
    revoked_tokens_table: Option<String>,
    #[arg(long, global = true)]
    login_throttle_table: Option<String>,
    #[arg(long, global = true)]
    mail_table: Option<String>,
    /// Also keep audit records in this table (key `id`).
    #[arg(long, global = true)]
    audit_table: Option<String>,
    /// The WebSocket stage's management API, to close a disabled user's connections.
    #[arg(long, global = true)]
    management_endpoint: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Users: list, show, create, disable, enable, delete.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Sessions: end one or all of a user's.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Items per table, users, and sessions active now.
    Stats,
}

#[derive(Args, Clone, Copy)]
struct ChangeFlags {
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Show what would change; change nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Users in the table's order, a page at a time.
    List {
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
        /// Where the previous page said to go on.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// A user (by id, username or email): whether disabled, their sessions, and what they own.
    Show { who: String },
    /// A new user; the password is read from standard input (its first line).
    Create {
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
    /// Refuse the user's tokens at once and their logins from now on.
    Disable {
        who: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Let a disabled user log in again.
    Enable {
        who: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Delete the user and everything they own (as DELETE /auth/me does).
    Delete {
        who: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
}

#[derive(Subcommand)]
enum SessionsCommand {
    /// End a user's session (--session ID) or every session (--all).
    End {
        who: String,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        session: Option<String>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        change: ChangeFlags,
    },
}

impl From<ChangeFlags> for Change {
    fn from(flags: ChangeFlags) -> Self {
        Self { yes: flags.yes, dry_run: flags.dry_run }
    }
}

impl Place {
    fn into_where(self) -> Result<Where> {
        if self.local {
            return Ok(Where::Local { state_dir: self.state_dir });
        }
        if let Some(name) = self.stack {
            return Ok(Where::Stack { name, region: self.region });
        }
        let named = [
            ("--users-table", self.users_table),
            ("--sessions-table", self.sessions_table),
            ("--connections-table", self.connections_table),
            ("--tasks-table", self.tasks_table),
            ("--expenses-table", self.expenses_table),
            ("--budgets-table", self.budgets_table),
            ("--revoked-tokens-table", self.revoked_tokens_table),
            ("--login-throttle-table", self.login_throttle_table),
            ("--mail-table", self.mail_table),
        ];
        let missing: Vec<&str> = named.iter().filter(|(_, value)| value.is_none()).map(|(flag, _)| *flag).collect();
        if !missing.is_empty() {
            bail!("say where to work: --local, --stack NAME, or every table ({} missing)", missing.join(", "));
        }
        let [users, sessions, connections, tasks, expenses, budgets, revoked_tokens, login_throttle, mail] =
            named.map(|(_, value)| value.unwrap_or_default());
        Ok(Where::Explicit {
            tables: Box::new(Tables {
                users,
                sessions,
                connections,
                tasks,
                expenses,
                budgets,
                revoked_tokens,
                login_throttle,
                mail,
            }),
            audit_table: self.audit_table,
            management_endpoint: self.management_endpoint,
        })
    }
}

async fn run(cli: Cli) -> Result<Report> {
    let admin = Admin::new(Target::resolve(cli.place.into_where()?).await?);
    match cli.command {
        Command::Users(UsersCommand::List { limit, cursor }) => admin.list_users(limit.into(), cursor.as_deref()).await,
        Command::Users(UsersCommand::Show { who }) => admin.show_user(&who).await,
        Command::Users(UsersCommand::Create { username, email, dry_run }) => {
            admin.create_user(&username, email.as_deref(), Change { yes: true, dry_run }).await
        }
        Command::Users(UsersCommand::Disable { who, change }) => admin.set_disabled(&who, true, change.into()).await,
        Command::Users(UsersCommand::Enable { who, change }) => admin.set_disabled(&who, false, change.into()).await,
        Command::Users(UsersCommand::Delete { who, change }) => admin.delete_user(&who, change.into()).await,
        Command::Sessions(SessionsCommand::End { who, session, all: _, change }) => {
            let which = session.map_or(Which::All, Which::One);
            admin.end_sessions(&who, which, change.into()).await
        }
        Command::Stats => admin.stats().await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("taskmoney-admin: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(report) if json => {
            println!("{}", report.json);
            ExitCode::SUCCESS
        }
        Ok(report) => {
            print!("{}", report.text);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("taskmoney-admin: {err:#}");
            ExitCode::FAILURE
        }
    }
}
