//! `treem`: the command line over the core library, for scripting and checks. Every command
//! acts as a logged-in account: `TREEM_USER` and `TREEM_PASSWORD` from the environment, or
//! asked on a terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;
use treem::plan::{self, import, reporting::ReportPeriod};
use treem::auth::{self, Actor, NewUser, UserRole};
use treem::{children, demo, overview, text, Source, Store};

#[derive(Parser)]
#[command(name = "treem", about = "Công tác Trẻ em — dòng lệnh", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Db {
    /// Tệp cơ sở dữ liệu (mặc định: thư mục dữ liệu của người dùng)
    #[arg(long)]
    db: Option<PathBuf>,
}

impl Db {
    fn path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(treem::default_db_path)
    }

    /// Logs in as `TREEM_USER` with `TREEM_PASSWORD` (asked on a terminal when unset).
    async fn open(&self) -> treem::Result<(Store, Actor)> {
        let user = from_env_or_terminal("TREEM_USER", "Tên đăng nhập: ", false)?;
        let password = from_env_or_terminal("TREEM_PASSWORD", "Mật khẩu: ", true)?;
        auth::log_in(&self.path(), &user, &password).await
    }
}

/// A value from the environment, else typed on the terminal (a password without echo); with
/// neither, a clear refusal rather than a prompt nobody sees.
fn from_env_or_terminal(var: &str, prompt: &str, secret: bool) -> treem::Result<String> {
    use std::io::IsTerminal;
    if let Ok(v) = std::env::var(var) {
        return Ok(v);
    }
    if !std::io::stdin().is_terminal() {
        let message = format!("Đặt biến môi trường {var} (không có màn hình dòng lệnh để hỏi).");
        return Err(treem::Error::Invalid(text::InvalidInput::new("user", message)));
    }
    let read = if secret {
        rpassword::prompt_password(prompt)
    } else {
        eprint!("{prompt}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line.trim().to_owned())
    };
    read.map_err(|e| treem::Error::File { path: "terminal".into(), source: e })
}

#[derive(Subcommand)]
enum Command {
    /// Tạo cơ sở dữ liệu mới, được mã hóa, với tài khoản cán bộ "canbo" (mật khẩu lấy từ
    /// TREEM_PASSWORD); với --demo: phường Nguyễn Nghiêm và kế hoạch năm 2024
    Init {
        #[command(flatten)]
        db: Db,
        /// Nạp dữ liệu mẫu
        #[arg(long)]
        demo: bool,
    },
    /// Kế hoạch
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Văn bản: in, cấp số, ký
    Doc {
        #[command(subcommand)]
        command: DocCommand,
    },
    /// Chứng thư số
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
    /// Token ký số (USB) qua thư viện PKCS#11 đi kèm token
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Kiểm tra mọi chữ ký số của một tệp PDF và nói riêng ba điều cho từng chữ ký: tệp còn
    /// nguyên từ khi ký hay không; ai ký, lúc nào, chứng thư khi đó còn hiệu lực không; chuỗi
    /// chứng thư có tới tổ chức chứng thực nào trong danh sách phường tin cậy (trong cơ sở dữ
    /// liệu), hay là chứng thư nội bộ do phường tạo. Mã thoát 0 chỉ khi mọi chữ ký đều hợp lệ.
    Verify {
        #[command(flatten)]
        db: Db,
        /// Tệp PDF
        file: PathBuf,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// Kiểm tra cơ sở dữ liệu: tính toàn vẹn của SQLite, chuỗi nhật ký truy cập, các tệp lưu
    /// trữ, và dựng lại mọi bảng từ nhật ký thay đổi (mã thoát 0 chỉ khi tất cả đều khớp)
    Check {
        #[command(flatten)]
        db: Db,
    },
    /// Các máy của phường: kết nạp máy mới, nhận tệp kết nạp, danh sách
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Đồng bộ giữa các máy bằng tệp
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Đơn vị
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Sao lưu toàn bộ dữ liệu (đã mã hóa) vào một tệp
    Backup {
        #[command(flatten)]
        db: Db,
        /// Tệp sao lưu (.treembackup)
        #[arg(long)]
        out: PathBuf,
    },
    /// Khôi phục từ một tệp sao lưu (đăng nhập bằng tài khoản cán bộ trong bản sao lưu:
    /// TREEM_USER, TREEM_PASSWORD); dữ liệu hiện có được giữ lại trong một thư mục bên cạnh
    Restore {
        #[command(flatten)]
        db: Db,
        /// Tệp sao lưu
        file: PathBuf,
        /// Xác nhận khôi phục bản sao lưu của một phường khác lên dữ liệu đang có
        #[arg(long = "phuong-khac")]
        other_ward: bool,
        /// Mở bằng mã khôi phục của phường (TREEM_RECOVERY_CODE) khi không ai còn nhớ mật khẩu
        /// cán bộ: TREEM_USER là tài khoản cán bộ trong bản sao lưu, TREEM_PASSWORD là mật khẩu
        /// mới của tài khoản đó
        #[arg(long = "ma-khoi-phuc")]
        recovery_code: bool,
    },
    /// Tạo mã khôi phục mới cho các bản sao lưu từ nay về sau (in ra một lần)
    RecoveryCode {
        #[command(flatten)]
        db: Db,
    },
    /// Tài khoản
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Nhật ký truy cập và thay đổi
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Sổ theo dõi trẻ em: nhập từ Excel, tìm, xuất
    Children {
        #[command(subcommand)]
        command: ChildrenCommand,
    },
    /// Các đợt thăm, tặng quà, học bổng
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// Vụ việc xâm hại trẻ em (Nghị định 56/2017): danh sách, xem một vụ việc
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Lịch ngày nghỉ và ngày làm việc
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Dữ liệu mẫu
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Số liệu thống kê về trẻ em của một kỳ (Thông tư 13/2021)
    Stats {
        #[command(flatten)]
        db: Db,
        /// Ngày đầu kỳ (dd/mm/yyyy hoặc yyyy-mm-dd)
        #[arg(long)]
        from: String,
        /// Ngày cuối kỳ (dd/mm/yyyy hoặc yyyy-mm-dd)
        #[arg(long)]
        to: String,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// Việc sắp đến hạn và quá hạn
    Status {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
        /// Ngày tham chiếu (dd/mm/yyyy), mặc định hôm nay
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Tạo tệp kết nạp cho một máy mới của một tài khoản; in ra mật khẩu dùng một lần của tệp
    Invite {
        #[command(flatten)]
        db: Db,
        /// Tên máy, ví dụ "Máy tổ dân phố 3"
        #[arg(long)]
        name: String,
        /// Tài khoản dùng máy đó
        #[arg(long)]
        user: String,
        /// Tệp kết nạp (.treemjoin)
        #[arg(long)]
        out: PathBuf,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// Nhận tệp kết nạp trên máy mới: tạo dữ liệu tại --db (mật khẩu kết nạp lấy từ
    /// TREEM_JOIN_PASSPHRASE, mật khẩu mới của tài khoản trên máy này từ TREEM_PASSWORD)
    Join {
        #[command(flatten)]
        db: Db,
        /// Tệp kết nạp
        file: PathBuf,
    },
    /// Danh sách các máy của phường
    List {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Ghi các thay đổi máy kia chưa có vào một tệp (không có --for: mọi thứ, cho máy của cán bộ
    /// hoặc lãnh đạo)
    Export {
        #[command(flatten)]
        db: Db,
        /// Tệp đồng bộ (.treemsync)
        #[arg(long)]
        out: PathBuf,
        /// Máy nhận (tên hoặc mã máy)
        #[arg(long = "for")]
        for_device: Option<String>,
        /// Gửi tất cả, không chỉ những gì máy kia chưa có
        #[arg(long)]
        all: bool,
    },
    /// Nhận một tệp đồng bộ từ máy khác và gộp vào dữ liệu
    Import {
        #[command(flatten)]
        db: Db,
        /// Tệp đồng bộ
        file: PathBuf,
        /// Chỉ cho biết sẽ làm gì, không ghi
        #[arg(long)]
        dry_run: bool,
    },
    /// Các xung đột dữ liệu giữa các máy
    Conflicts {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Đổi tên một đơn vị
    Rename {
        #[command(flatten)]
        db: Db,
        /// Tên hiện tại
        name: String,
        /// Tên mới
        new_name: String,
    },
}

#[derive(Subcommand)]
enum ChildrenCommand {
    /// Nhập danh sách trẻ em từ tệp .xlsx, .xls hoặc .ods. Có dòng lỗi thì không nhập gì, liệt kê
    /// các lỗi và thoát với mã khác 0, trừ khi có --skip-bad-rows
    Import {
        /// Tệp sổ tính
        file: PathBuf,
        #[command(flatten)]
        db: Db,
        /// Tên trang tính (mặc định: trang đầu)
        #[arg(long)]
        sheet: Option<String>,
        /// Chỉ kiểm tra, không ghi
        #[arg(long)]
        dry_run: bool,
        /// Bỏ qua các dòng có lỗi, nhập các dòng đúng
        #[arg(long)]
        skip_bad_rows: bool,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// Tìm trẻ theo tên, số định danh, người giám hộ, tổ dân phố (không cần dấu); để trống để
    /// liệt kê tất cả theo thứ tự tên
    Search {
        /// Từ cần tìm
        #[arg(default_value = "")]
        query: String,
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// Xuất danh sách ra tệp .xlsx
    Export {
        /// Tệp .xlsx cần ghi
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: Db,
        /// Chỉ trẻ thuộc nhóm hoàn cảnh đặc biệt này (chữ cái a–o)
        #[arg(long)]
        group: Option<String>,
    },
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Danh sách các đợt, với kinh phí theo nguồn và số suất đã trao
    List {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Danh sách vụ việc: số, trẻ, loại, bước, hạn tiếp theo
    List {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON (mỗi vụ việc có id, trẻ, loại, bước và mọi thời hạn)
        #[arg(long)]
        json: bool,
    },
    /// Xem một vụ việc (được ghi vào nhật ký truy cập)
    Show {
        /// Mã (id) của vụ việc
        id: String,
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Các ngày nghỉ, nghỉ hoán đổi, nghỉ bù và ngày làm bù của một năm, với thông báo làm căn cứ
    Show {
        /// Năm
        #[arg(long)]
        year: i32,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Ghi thông báo nghỉ lễ, Tết của một năm (để trống để bỏ); năm có thông báo không còn là “dự kiến”
    Notice {
        /// Năm
        #[arg(long)]
        year: i32,
        /// Số, ngày và cơ quan ban hành thông báo
        #[arg(long)]
        text: String,
        #[command(flatten)]
        db: Db,
    },
    /// Ngày đến hạn sau N ngày làm việc kể từ một ngày, theo lịch ngày nghỉ của phường
    Due {
        /// Ngày bắt đầu (dd/mm/yyyy); không tính chính ngày này
        #[arg(long)]
        from: String,
        /// Số ngày làm việc
        #[arg(long)]
        working_days: u32,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Thêm các vụ việc hư cấu vào phường mẫu (mỗi bước một vụ, có vụ quá hạn)
    Cases {
        #[command(flatten)]
        db: Db,
    },
    /// Thêm N trẻ em hư cấu vào sổ (dùng cho thử nghiệm và đo tốc độ)
    Children {
        /// Số trẻ
        n: usize,
        #[command(flatten)]
        db: Db,
        /// Hạt giống ngẫu nhiên (cùng hạt giống cho cùng danh sách)
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Thêm tài khoản (mật khẩu đầu tiên lấy từ TREEM_NEW_PASSWORD; cộng tác viên không có mật
    /// khẩu trên máy này mà đặt trên máy được kết nạp cho mình)
    Add {
        /// Tên đăng nhập
        name: String,
        /// Vai trò: officer (cán bộ), leader (lãnh đạo), collaborator (cộng tác viên), viewer (xem)
        #[arg(long)]
        role: String,
        /// Họ và tên (mặc định: tên đăng nhập)
        #[arg(long)]
        full_name: Option<String>,
        /// Tổ dân phố của cộng tác viên
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Danh sách tài khoản
    List {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Kiểm tra chuỗi nhật ký của từng máy (mã thoát 0 chỉ khi mọi chuỗi còn nguyên)
    Verify {
        #[command(flatten)]
        db: Db,
    },
    /// Liệt kê nhật ký, mới nhất trước
    List {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CertCommand {
    /// Tạo chứng thư số nội bộ (.p12) và lưu vào cơ sở dữ liệu của phường, để chữ ký bằng chứng
    /// thư này được nhận là chữ ký nội bộ của phường; mật khẩu lấy từ biến môi trường
    /// TREEM_P12_PASSWORD
    Create {
        #[command(flatten)]
        db: Db,
        /// Họ và tên người ký
        #[arg(long)]
        name: String,
        /// Cơ quan
        #[arg(long, default_value = "UBND phường")]
        organisation: String,
        /// Tệp .p12 ra
        #[arg(long)]
        out: PathBuf,
        /// Số ngày hiệu lực
        #[arg(long, default_value_t = 1095)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Liệt kê chứng thư số trên token: mã (id PKCS#11, dạng hex), người được cấp, tổ chức cấp,
    /// thời hạn
    List {
        /// Thư viện PKCS#11 của token (ví dụ C:\Windows\System32\eTPKCS11.dll)
        #[arg(long)]
        module: PathBuf,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

/// Who signs: a .p12 file, or a certificate on a token.
#[derive(clap::Args)]
struct SignWith {
    /// Ký số bằng tệp .p12 (mật khẩu lấy từ TREEM_P12_PASSWORD)
    #[arg(long, conflicts_with = "token_module")]
    sign: Option<PathBuf>,
    /// Ký số bằng token: thư viện PKCS#11 của token (mã PIN lấy từ TREEM_TOKEN_PIN)
    #[arg(long, requires = "token_cert")]
    token_module: Option<PathBuf>,
    /// Mã chứng thư trên token, như `treem token list` in ra
    #[arg(long, requires = "token_module")]
    token_cert: Option<String>,
}

impl SignWith {
    /// Opens the signer asked for, if any: the trust list completes its chain.
    async fn open(&self, store: &Store, actor: &Actor) -> treem::Result<Option<treem::signing::Identity>> {
        if let Some(path) = &self.sign {
            let bytes = std::fs::read(path).map_err(|e| treem::Error::File { path: path.display().to_string(), source: e })?;
            let authorities = treem::trust::trust_list(store, actor).await?.authorities;
            return Ok(Some(treem::signing::Identity::from_pkcs12(&bytes, &p12_password()?, &authorities)?));
        }
        match (&self.token_module, &self.token_cert) {
            (Some(module), Some(cert)) => {
                let pin = zeroize::Zeroizing::new(std::env::var("TREEM_TOKEN_PIN").map_err(|_| {
                    treem::Error::Invalid(text::InvalidInput::new("pin", "Đặt mã PIN của token vào biến môi trường TREEM_TOKEN_PIN."))
                })?);
                Ok(Some(treem::certificates::token_identity(store, actor, module, cert, &pin).await?))
            }
            _ => Ok(None),
        }
    }
}

#[derive(Subcommand)]
enum DocCommand {
    /// Báo cáo kết quả thực hiện kế hoạch (6 tháng hoặc cả năm)
    Report {
        #[command(flatten)]
        db: Db,
        /// half (6 tháng) hoặc year (cả năm)
        #[arg(long)]
        period: String,
        /// Năm của kế hoạch
        #[arg(long)]
        year: i32,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
        /// Cấp số và phát hành (ghi vào sổ văn bản đi)
        #[arg(long)]
        issue: bool,
        #[command(flatten)]
        signer: SignWith,
    },
    /// Ký thêm vào một văn bản đã ban hành (chữ ký sau giữ nguyên chữ ký trước), rồi ghi tệp PDF
    Sign {
        #[command(flatten)]
        db: Db,
        /// Mã (id) của văn bản
        #[arg(long)]
        id: String,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        signer: SignWith,
    },
    /// Sổ văn bản đi
    List {
        #[command(flatten)]
        db: Db,
        /// Năm (mặc định: năm nay)
        #[arg(long)]
        year: Option<i32>,
    },
    /// In kế hoạch hỗ trợ, can thiệp của một vụ việc (Mẫu 04) ra PDF
    CasePlan {
        /// Mã (id) của vụ việc
        #[arg(long = "case")]
        case_id: String,
        #[command(flatten)]
        db: Db,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
    },
    /// Quyết định khen thưởng kèm danh sách (bản đã phát hành, hoặc bản nháp)
    Commendation {
        /// Mã (id) của quyết định trong sổ văn bản
        #[arg(long)]
        decision: String,
        #[command(flatten)]
        db: Db,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
    },
    /// Giấy khen của các tập thể, cá nhân trong một quyết định khen thưởng đã phát hành
    Certificates {
        /// Mã (id) của quyết định trong sổ văn bản
        #[arg(long)]
        decision: String,
        /// Chỉ in các ô chữ lên phôi Giấy khen in sẵn của phường
        #[arg(long)]
        blanks: bool,
        #[command(flatten)]
        db: Db,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
    },
    /// Danh sách ký nhận quà của một đợt (mỗi tổ dân phố một danh sách)
    Signoff {
        /// Mã (id) của đợt
        #[arg(long)]
        campaign: String,
        /// Chỉ tổ dân phố này (tên như trong danh sách đơn vị)
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        db: Db,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
    },
    /// In kế hoạch ra PDF
    Plan {
        #[command(flatten)]
        db: Db,
        /// Tệp PDF ra
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Nhập kế hoạch từ tệp .txt hoặc .docx
    Import {
        /// Tệp kế hoạch
        file: PathBuf,
        #[command(flatten)]
        db: Db,
        /// Chỉ in những gì đọc được, không lưu
        #[arg(long)]
        dry_run: bool,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
    /// In cây kế hoạch với đơn vị và tình trạng
    Show {
        #[command(flatten)]
        db: Db,
        /// In dạng JSON
        #[arg(long)]
        json: bool,
    },
}

fn print_json(value: &impl Serialize) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

fn p12_password() -> treem::Result<String> {
    std::env::var("TREEM_P12_PASSWORD").map_err(|_| {
        treem::Error::Invalid(text::InvalidInput::new("password", "Đặt mật khẩu của tệp .p12 vào biến môi trường TREEM_P12_PASSWORD."))
    })
}

/// A year of the holiday table: the notice it follows (or that it is expected), then its days.
fn print_calendar_year(year: &treem::calendar::CalendarYear, json: bool) -> treem::Result<()> {
    if json {
        print_json(year);
        return Ok(());
    }
    if !year.covered {
        println!("Chưa có lịch ngày nghỉ năm {}.", year.year);
        return Ok(());
    }
    match (&year.notice, year.expected) {
        (Some(notice), false) => println!("Lịch ngày nghỉ năm {} theo {notice}.", year.year),
        _ => println!("Lịch ngày nghỉ năm {} (dự kiến): chưa có thông báo của Chính phủ; các ngày theo Bộ luật Lao động.", year.year),
    }
    for d in &year.days {
        let changed = if d.changed { " — phường đã sửa" } else { "" };
        println!("  {} {}  {}: {}{changed}", d.weekday, text::format_date(d.day), d.kind.label(), d.name);
    }
    println!("Số ngày nghỉ rơi vào ngày thường: {}.", year.weekdays_off);
    Ok(())
}

/// Shows the ward's recovery code, the one time it is shown.
fn print_recovery_code(code: &treem::backup::recovery::RecoveryCode) {
    println!("Mã khôi phục dữ liệu của phường: {}", code.text());
    println!("Hãy in hoặc chép lại mã này và cất nơi an toàn, tách khỏi máy tính: khi không còn ai nhớ mật khẩu cán bộ phụ trách, chỉ mã này mở được các bản sao lưu. Mã không được lưu ở đâu và không hiện lại.");
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> treem::Result<()> {
    std::fs::write(path, bytes).map_err(|e| treem::Error::File { path: path.display().to_string(), source: e })
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

async fn run(cli: Cli) -> treem::Result<()> {
    match cli.command {
        Command::Init { db, demo } => {
            let path = db.path();
            let (store, actor) = if auth::first_start(&path) {
                let password = from_env_or_terminal("TREEM_PASSWORD", "Mật khẩu của tài khoản canbo: ", true)?;
                let (store, actor, code) = auth::set_up(&path, "canbo", "Cán bộ phụ trách", &password).await?;
                println!("Đã tạo tài khoản cán bộ: canbo.");
                print_recovery_code(&code);
                (store, actor)
            } else {
                db.open().await?
            };
            if demo && demo::load(&store, &actor).await? {
                treem::cases::generate::add_demo(&store, &actor).await?;
                println!("Đã tạo dữ liệu mẫu: phường Nguyễn Nghiêm, kế hoạch năm 2024.");
            } else {
                println!("Cơ sở dữ liệu đã sẵn sàng.");
            }
            store.close().await;
        }
        Command::Plan { command: PlanCommand::Import { file, db, dry_run, json } } => {
            let bytes = std::fs::read(&file).map_err(|e| treem::Error::File { path: file.display().to_string(), source: e })?;
            let draft = import::read_file(&file.to_string_lossy(), &bytes)?;
            if json {
                print_json(&draft);
            } else {
                println!("Kế hoạch năm {}: {}", draft.year, draft.title);
                println!("Phần: {}; hoạt động: {}; đơn vị: {}", draft.nodes.len(), draft.activities().len(), draft.units.len());
                for d in &draft.deadlines {
                    println!("Hạn báo cáo {}: {}", d.period.label().to_lowercase(), text::format_date(d.due_on));
                }
                for w in &draft.warnings {
                    println!("Lưu ý: {w}");
                }
            }
            if !dry_run {
                let (store, actor) = db.open().await?;
                let saved = plan::save_draft(&store, &actor, Source::Cli, &draft).await?;
                if !json {
                    println!("Đã lưu kế hoạch ({}).", saved.id);
                }
                store.close().await;
            }
        }
        Command::Plan { command: PlanCommand::Show { db, json } } => {
            let (store, actor) = db.open().await?;
            let plan = plan::current(&store, &actor).await?.ok_or(treem::Error::NotFound { what: "kế hoạch nào" })?;
            let tree = plan::tree(&store, &actor, &plan.id).await?;
            if json {
                print_json(&tree);
            } else {
                println!("KẾ HOẠCH — {} (năm {})", tree.plan.title, tree.plan.year);
                for n in &tree.nodes {
                    let depth = std::iter::successors(n.parent_id.as_ref(), |p| {
                        tree.nodes.iter().find(|x| &x.id == *p).and_then(|x| x.parent_id.as_ref())
                    })
                    .count();
                    let label = if n.label.is_empty() { "-".to_owned() } else { format!("{}.", n.label) };
                    let mut line = format!("{}{} {}", "  ".repeat(depth), label, short(&n.text, 90));
                    if n.is_activity {
                        line.push_str(&format!(" [{}]", n.period.label()));
                        for a in tree.assignments.iter().filter(|a| a.node_id == n.id) {
                            let role = a.role.label().to_lowercase();
                            line.push_str(&format!("\n{}  · {} ({role}): {}", "  ".repeat(depth), a.unit_name, a.status.label()));
                        }
                    }
                    println!("{line}");
                }
            }
            store.close().await;
        }
        Command::Doc { command: DocCommand::Plan { db, out } } => {
            let (store, actor) = db.open().await?;
            let plan = plan::current(&store, &actor).await?.ok_or(treem::Error::NotFound { what: "kế hoạch nào" })?;
            let pdf = treem::documents::plan_pdf(&store, &actor, &plan.id).await?;
            write_file(&out, &pdf)?;
            println!("Đã ghi {}.", out.display());
            store.close().await;
        }
        Command::Doc { command: DocCommand::Report { db, period, year, out, issue, signer } } => {
            use treem::documents::register::{self, Kind};
            let (store, actor) = db.open().await?;
            let identity = signer.open(&store, &actor).await?;
            let plan = plan::of_year(&store, &actor, year).await?;
            let period = ReportPeriod::from_stored(&period)
                .ok_or_else(|| treem::Error::Invalid(text::InvalidInput::new("period", "Kỳ báo cáo là half (6 tháng) hoặc year (cả năm).")))?;
            let draft = register::create_draft(&store, &actor, Source::Cli, Kind::Report, &plan.id, Some(period), None, None).await?;
            let id = if issue {
                let doc = register::issue(&store, &actor, Source::Cli, &draft.id, treem::today_in_vietnam(), identity.as_ref()).await?;
                println!("Đã cấp số {:02}/{} ngày {}.", doc.number.unwrap_or(0), doc.symbol, doc.issued_on.map(text::format_date).unwrap_or_default());
                doc.id
            } else {
                draft.id
            };
            write_file(&out, &register::pdf(&store, &actor, &id).await?)?;
            println!("Đã ghi {} (mã văn bản {id}).", out.display());
            store.close().await;
        }
        Command::Doc { command: DocCommand::Sign { db, id, out, signer } } => {
            use treem::documents::register;
            let (store, actor) = db.open().await?;
            let identity = signer.open(&store, &actor).await?.ok_or_else(|| {
                treem::Error::Invalid(text::InvalidInput::new("signer", "Chọn cách ký: --sign TỆP.p12, hoặc --token-module và --token-cert."))
            })?;
            let doc = register::add_signature(&store, &actor, Source::Cli, &id, &identity).await?;
            write_file(&out, &register::pdf(&store, &actor, &id).await?)?;
            println!("Đã ký thêm văn bản {:02}/{} ({}): {}.", doc.number.unwrap_or(0), doc.symbol, doc.signed_by.unwrap_or_default(), out.display());
            store.close().await;
        }
        Command::Token { command: TokenCommand::List { module, json } } => {
            let certs = tokio::task::spawn_blocking(move || treem::token::list(&module))
                .await
                .map_err(|e| treem::Error::Sign(treem::signing::SignError::Token(e.to_string())))??;
            if json {
                print_json(&certs);
            } else if certs.is_empty() {
                println!("Token không có chứng thư số nào.");
            } else {
                for c in &certs {
                    let what = if c.authority { " [tổ chức chứng thực]" } else if !c.valid_now { " [không còn hiệu lực]" } else { "" };
                    println!("{}  {}{}\n    cấp bởi: {}\n    hiệu lực: {}  (token “{}”)", c.id, c.owner, what, c.issuer, c.validity, c.token);
                }
            }
        }
        Command::Doc { command: DocCommand::List { db, year } } => {
            use chrono::Datelike;
            let (store, actor) = db.open().await?;
            let year = year.unwrap_or_else(|| treem::today_in_vietnam().year());
            let docs = treem::documents::register::register(&store, &actor, year).await?;
            println!("SỔ VĂN BẢN ĐI NĂM {year}");
            if docs.is_empty() {
                println!("(chưa có văn bản nào)");
            }
            for d in docs {
                println!(
                    "{:>3}  {:02}/{:<10} {}  {}  — {}{}",
                    d.number.unwrap_or(0),
                    d.number.unwrap_or(0),
                    d.symbol,
                    d.issued_on.map(text::format_date).unwrap_or_default(),
                    d.summary,
                    d.signer_name,
                    if d.signed_by.is_some() { " (đã ký số)" } else { "" }
                );
            }
            store.close().await;
        }
        Command::Cert { command: CertCommand::Create { db, name, organisation, out, days } } => {
            let password = p12_password()?;
            let p12 = treem::signing::create_internal(&name, &organisation, &password, chrono::Utc::now(), days)?;
            let (store, actor) = db.open().await?;
            let kept = treem::certificates::import(&store, &actor, Source::Cli, &format!("{name}.p12"), &p12, &password).await;
            store.close().await;
            kept?;
            write_file(&out, &p12)?;
            println!("Đã tạo chứng thư số nội bộ cho {name}: {}.", out.display());
        }
        Command::Verify { db, file, json } => {
            let bytes = std::fs::read(&file).map_err(|e| treem::Error::File { path: file.display().to_string(), source: e })?;
            let (store, actor) = db.open().await?;
            let checked = treem::trust::verify_pdf(&store, &actor, &bytes).await;
            store.close().await;
            let v = checked?;
            if json {
                print_json(&v);
            } else {
                for (i, s) in v.signatures.iter().enumerate() {
                    println!("Chữ ký {} ({}):", i + 1, s.form);
                    for fact in &s.facts {
                        println!("- {fact}");
                    }
                }
                println!("Kết luận: {}", v.verdict);
            }
            if !v.valid {
                return Err(treem::Error::Invalid(text::InvalidInput::new("file", "Chữ ký chưa được xác nhận là hợp lệ.")));
            }
        }
        Command::Check { db } => {
            let (store, actor) = db.open().await?;
            let report = treem::check::run(&store, &actor).await?;
            store.close().await;
            println!("Tính toàn vẹn của SQLite: {}", if report.integrity == ["ok"] { "tốt" } else { "HỎNG" });
            println!("Chuỗi nhật ký truy cập: {} mục của {} máy, {}", report.chains.entries, report.chains.devices, if report.chains.whole() { "nguyên vẹn" } else { "BỊ ĐỨT" });
            println!("Tệp lưu trữ: {} tệp, {} tệp hỏng hoặc mất", report.files, report.damaged_files.len());
            if let Some(replay) = &report.replay {
                println!("Nhật ký thay đổi: {} mục, so với {} dòng dữ liệu", replay.entries, replay.rows);
            }
            if let Some(problem) = report.first_problem() {
                return Err(treem::Error::Invalid(text::InvalidInput::new("db", problem)));
            }
            println!("Kết quả: cơ sở dữ liệu nguyên vẹn; dựng lại từ nhật ký thay đổi khớp với mọi bảng.");
        }
        Command::Device { command: DeviceCommand::Invite { db, name, user, out, json } } => {
            let (store, actor) = db.open().await?;
            let made = treem::sync::join::invite(&store, &actor, &name, &user).await;
            store.close().await;
            let made = made?;
            write_file(&out, &made.bytes)?;
            if json {
                print_json(&serde_json::json!({ "device_id": made.device_id, "passphrase": made.passphrase, "file": out }));
            } else {
                println!("Đã tạo tệp kết nạp {} cho máy «{name}».", out.display());
                println!("Mật khẩu kết nạp (đưa riêng, không gửi kèm tệp): {}", made.passphrase);
            }
        }
        Command::Device { command: DeviceCommand::Join { db, file } } => {
            let bytes = std::fs::read(&file).map_err(|e| treem::Error::File { path: file.display().to_string(), source: e })?;
            let facts = treem::sync::join::facts(&bytes)?;
            let passphrase = from_env_or_terminal("TREEM_JOIN_PASSPHRASE", "Mật khẩu kết nạp: ", true)?;
            let password = from_env_or_terminal("TREEM_PASSWORD", &format!("Mật khẩu mới của tài khoản {} trên máy này: ", facts.login), true)?;
            let (store, _) = treem::sync::join::join(&db.path(), &bytes, &passphrase, &password).await?;
            store.close().await;
            println!("Máy này đã là «{}» của phường; đăng nhập bằng tài khoản {} ({}).", facts.device_name, facts.login, facts.role.label());
        }
        Command::Device { command: DeviceCommand::List { db, json } } => {
            let (store, actor) = db.open().await?;
            let devices = treem::sync::devices(&store, &actor).await;
            store.close().await;
            let devices = devices?;
            if json {
                print_json(&devices);
            } else {
                for d in devices {
                    let who = d.account.as_deref().unwrap_or("văn phòng");
                    let this = if d.this_laptop { " (máy này)" } else { "" };
                    println!("{}{this} — {who}; nhận lần cuối: {}; chờ gửi: {} thay đổi", d.name, d.last_received.as_deref().unwrap_or("chưa"), d.waiting);
                }
            }
        }
        Command::Sync { command: SyncCommand::Export { db, out, for_device, all } } => {
            let (store, actor) = db.open().await?;
            let made = treem::sync::export(&store, &actor, for_device.as_deref(), all).await;
            store.close().await;
            let (bytes, plan) = made?;
            write_file(&out, &bytes)?;
            let to = plan.recipient.as_deref().unwrap_or("máy của cán bộ, lãnh đạo");
            println!("Đã ghi {}: {} thay đổi của {} bản ghi, {} tệp đính kèm, gửi {to}.", out.display(), plan.entries, plan.records, plan.files);
        }
        Command::Sync { command: SyncCommand::Import { db, file, dry_run } } => {
            let bytes = std::fs::read(&file).map_err(|e| treem::Error::File { path: file.display().to_string(), source: e })?;
            let (store, actor) = db.open().await?;
            let done = if dry_run {
                treem::sync::plan_import(&store, &actor, &bytes).await
            } else {
                treem::sync::import(&store, &actor, &bytes, &mut |_, _| {}).await
            };
            store.close().await;
            let done = done?;
            let verb = if dry_run { "Sẽ nhận" } else { "Đã nhận" };
            println!(
                "{verb} từ «{}» (tạo lúc {}): {} thay đổi, {} thay đổi mới của {} bản ghi, {} tệp đính kèm, {} xung đột mới.",
                done.sender, done.made_at, done.entries, done.new_entries, done.records, done.files, done.conflicts
            );
        }
        Command::Sync { command: SyncCommand::Conflicts { db, json } } => {
            let (store, actor) = db.open().await?;
            let conflicts = treem::sync::conflicts(&store, &actor).await;
            store.close().await;
            let conflicts = conflicts?;
            if json {
                print_json(&conflicts);
            } else if conflicts.is_empty() {
                println!("Không có xung đột.");
            } else {
                for c in conflicts {
                    let state = c.resolved.map_or("chưa chọn", |r| r.label());
                    println!(
                        "{} «{}» — {}: giữ «{}» ({}, {}); không giữ «{}» ({}, {}) — {state}",
                        c.what, c.record_name, c.field, c.kept_value, c.kept_device, c.kept_at, c.other_value, c.other_device, c.other_at
                    );
                }
            }
        }
        Command::Unit { command: UnitCommand::Rename { db, name, new_name } } => {
            let (store, actor) = db.open().await?;
            let renamed = async {
                let unit = treem::ward::unit_named(&store, &actor, &name).await?;
                treem::ward::rename_unit(&store, &actor, Source::Cli, &unit.id, &new_name).await
            }
            .await;
            store.close().await;
            println!("Đã đổi tên đơn vị thành «{}».", renamed?.name);
        }
        Command::Backup { db, out } => {
            let (store, actor) = db.open().await?;
            let made = treem::backup::make(&store, &actor, &out).await;
            store.close().await;
            let made = made?;
            println!("Đã sao lưu vào {} ({} byte, {} tệp lưu trữ).", made.path, made.bytes, made.files);
        }
        Command::RecoveryCode { db } => {
            let (store, actor) = db.open().await?;
            let code = treem::backup::recovery::renew(&store, &actor).await;
            store.close().await;
            print_recovery_code(&code?);
        }
        Command::Restore { db, file, other_ward, recovery_code } => {
            let code = if recovery_code { Some(from_env_or_terminal("TREEM_RECOVERY_CODE", "Mã khôi phục: ", true)?) } else { None };
            let user = from_env_or_terminal("TREEM_USER", "Tên đăng nhập (cán bộ, trong bản sao lưu): ", false)?;
            let password = from_env_or_terminal("TREEM_PASSWORD", if code.is_some() { "Mật khẩu mới: " } else { "Mật khẩu: " }, true)?;
            let opener = match &code {
                Some(code) => treem::backup::Opener::RecoveryCode { code, login: &user, new_password: &password },
                None => treem::backup::Opener::Officer { login: &user, password: &password },
            };
            let checked = treem::backup::check(&file, opener, &db.path()).await?;
            // The same account on the data in use, if it opens: then its rules apply too.
            let current = if auth::first_start(&db.path()) { None } else { auth::log_in(&db.path(), &user, &password).await.ok() };
            let allowed = treem::backup::may_restore(&checked, current.as_ref().map(|(s, a)| (s, a)), other_ward).await;
            if let Some((store, _)) = current {
                store.close().await;
            }
            allowed?;
            let made_at = checked.made_at.clone();
            let aside = treem::backup::restore(checked, &db.path()).await?;
            println!("Đã khôi phục bản sao lưu tạo lúc {made_at}.");
            if let Some(aside) = aside {
                println!("Dữ liệu trước khi khôi phục được giữ tại {}.", aside.display());
            }
        }
        Command::User { command: UserCommand::Add { name, role, full_name, group, db } } => {
            let role = UserRole::from_stored(&role).ok_or_else(|| {
                treem::Error::Invalid(text::InvalidInput::new("role", "Vai trò là officer, leader, collaborator hoặc viewer."))
            })?;
            // A collaborator sets their password on the laptop joined for them.
            let password = match role {
                UserRole::Collaborator => String::new(),
                _ => from_env_or_terminal("TREEM_NEW_PASSWORD", "Mật khẩu của tài khoản mới: ", true)?,
            };
            let (store, actor) = db.open().await?;
            let added = async {
                let group_id = match &group {
                    Some(g) => Some(treem::ward::unit_named(&store, &actor, g).await?.id),
                    None => None,
                };
                let new = NewUser {
                    login: &name,
                    name: full_name.as_deref().unwrap_or(&name),
                    role,
                    group_unit_id: group_id.as_deref(),
                    password: &password,
                };
                auth::add_user(&store, &actor, new).await
            }
            .await;
            store.close().await;
            let user = added?;
            println!("Đã thêm tài khoản {} ({}).", user.login, user.role.label().to_lowercase());
        }
        Command::User { command: UserCommand::List { db, json } } => {
            let (store, actor) = db.open().await?;
            let users = auth::users(&store, &actor).await;
            store.close().await;
            let users = users?;
            if json {
                print_json(&users);
            } else {
                for u in &users {
                    let last = u.last_login_text.as_deref().unwrap_or("chưa đăng nhập");
                    let state = if u.disabled_at.is_some() { " (ngừng sử dụng)" } else { "" };
                    let group = u.group_name.as_deref().map(|g| format!(", {g}")).unwrap_or_default();
                    println!("{:<16} {:<24} {}{group}{state} — lần đăng nhập cuối: {last}", u.login, u.name, u.role.label());
                }
            }
        }
        Command::Audit { command: AuditCommand::Verify { db } } => {
            let (store, actor) = db.open().await?;
            let check = treem::audit::verify(&store, &actor).await;
            store.close().await;
            let check = check?;
            println!("Nhật ký: {} mục của {} máy.", check.entries, check.devices);
            for b in &check.breaks {
                println!("Chuỗi của máy {} bị phá vỡ ở mục {}: {}.", b.device_id, b.seq, b.reason);
            }
            if !check.whole() {
                return Err(treem::Error::Invalid(text::InvalidInput::new("db", "Nhật ký đã bị sửa hoặc xóa bớt.")));
            }
            println!("Kết quả: mọi chuỗi nhật ký còn nguyên vẹn.");
        }
        Command::Audit { command: AuditCommand::List { db, json } } => {
            let (store, actor) = db.open().await?;
            let lines = treem::audit::list(&store, &actor, &Default::default()).await;
            store.close().await;
            let lines = lines?;
            if json {
                print_json(&lines);
            } else {
                for l in &lines {
                    let mark = if l.broken { "  [CHUỖI BỊ PHÁ VỠ]" } else { "" };
                    println!("{}  {:<24} {:<20} {} {}  {}{mark}", l.when, l.user_name, l.action, l.table_name, l.record_id, l.details);
                }
            }
        }
        Command::Children { command: ChildrenCommand::Import { file, db, sheet, dry_run, skip_bad_rows, json } } => {
            let bytes = std::fs::read(&file).map_err(|e| treem::Error::File { path: file.display().to_string(), source: e })?;
            let choice = children::import::ImportChoice { sheet: sheet.unwrap_or_default(), mapping: None };
            let today = treem::today_in_vietnam();
            let (store, actor) = db.open().await?;
            let result = import_children(&store, &actor, &bytes, &choice, dry_run, skip_bad_rows, json, today).await;
            store.close().await;
            result?;
        }
        Command::Children { command: ChildrenCommand::Search { query, db, json } } => {
            let (store, actor) = db.open().await?;
            let q = children::index::ChildQuery { text: query, ..Default::default() };
            let found = all_pages(&store, &actor, q).await;
            store.close().await;
            let found = found?;
            if json {
                print_json(&found);
            } else {
                for r in &found.rows {
                    let group = r.group_name.as_deref().unwrap_or("");
                    println!("{:>5}. {:<30} {:<11} {:<4} {:<18} {}", r.number, r.full_name, r.birth_text, r.sex.label(), group, r.circumstances);
                }
                println!("{} trẻ (tính đến ngày {}).", found.total, found.on);
            }
        }
        Command::Children { command: ChildrenCommand::Export { out, db, group } } => {
            let circumstance = match group.as_deref() {
                Some(code) => Some(children::Circumstance::from_stored(&code.to_lowercase().replace("dd", "đ")).ok_or_else(|| {
                    treem::Error::Invalid(text::InvalidInput::new("group", format!("“{code}” không phải nhóm hoàn cảnh đặc biệt; dùng chữ cái a, b, c, d, đ, e, g, h, i, k, l, m, n, o.")))
                })?),
                None => None,
            };
            let (store, actor) = db.open().await?;
            let q = children::index::ChildQuery { circumstance, ..Default::default() };
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let written = async {
                let bytes = children::export::xlsx(&store, &actor, &q, treem::today_in_vietnam(), &name).await?;
                std::fs::write(&out, &bytes).map_err(|e| treem::Error::File { path: out.display().to_string(), source: e })
            }
            .await;
            store.close().await;
            written?;
            println!("Đã ghi {}.", out.display());
        }
        Command::Campaign { command: CampaignCommand::List { db, json } } => {
            let (store, actor) = db.open().await?;
            let all = treem::campaigns::list(&store, &actor).await;
            store.close().await;
            let all = all?;
            if json {
                print_json(&all);
            } else {
                println!("{} đợt.", all.len());
                for c in &all {
                    println!("  {}  {} ({})", c.id, c.name, c.dates_text);
                    for f in &c.funds {
                        let money = treem::money::format;
                        println!("      {}: dự kiến {}, đã nhận {}, đã chi {}, còn {}", f.title, money(f.money.planned), money(f.money.received), money(f.money.spent), money(f.money.left));
                    }
                    println!("      Đã trao {}/{} suất; đã chi {}", c.handed_over, c.gifts, treem::money::format(c.money.spent));
                }
            }
        }
        Command::Doc { command: DocCommand::Commendation { decision, db, out } } => {
            let (store, actor) = db.open().await?;
            let pdf = async {
                let doc = treem::documents::register::get(&store, &actor, &decision).await?;
                if doc.kind != treem::documents::register::Kind::Commendation {
                    return Err(treem::Error::NotFound { what: "quyết định khen thưởng với mã này" });
                }
                treem::documents::register::pdf(&store, &actor, &decision).await
            }
            .await;
            store.close().await;
            write_file(&out, &pdf?)?;
            println!("Đã ghi {}.", out.display());
        }
        Command::Doc { command: DocCommand::Certificates { decision, blanks, db, out } } => {
            let (store, actor) = db.open().await?;
            let pdf = async {
                let ids: Vec<String> = treem::commendations::of_document(&store, &actor, &decision).await?.into_iter().map(|n| n.id).collect();
                treem::documents::commendation_docs::certificates_pdf(&store, &actor, &ids, blanks).await
            }
            .await;
            store.close().await;
            write_file(&out, &pdf?)?;
            println!("Đã ghi {}.", out.display());
        }
        Command::Doc { command: DocCommand::Signoff { campaign, group, db, out } } => {
            let (store, actor) = db.open().await?;
            let pdf = async {
                let group = match &group {
                    Some(g) => Some(treem::ward::unit_named(&store, &actor, g).await?.id),
                    None => None,
                };
                treem::documents::campaign_docs::signoff_pdf(&store, &actor, &campaign, group.as_deref()).await
            }
            .await;
            store.close().await;
            write_file(&out, &pdf?)?;
            println!("Đã ghi {}.", out.display());
        }
        Command::Case { command: CaseCommand::List { db, json } } => {
            let (store, actor) = db.open().await?;
            let all = treem::cases::list_with_deadlines(&store, &actor, chrono::Utc::now()).await;
            store.close().await;
            let all = all?;
            if json {
                print_json(&all);
            } else {
                println!("{} vụ việc.", all.len());
                for c in &all {
                    let next = c.row.next_deadline.as_ref().map(|d| format!("{}: {} ({})", d.what, d.due_text, d.state.label())).unwrap_or_default();
                    println!("  {}  {}  {}  {}  {}", c.row.number_text, c.row.child_name, c.row.abuse_type.label(), c.row.stage.label(), next);
                }
            }
        }
        Command::Case { command: CaseCommand::Show { id, db, json } } => {
            let (store, actor) = db.open().await?;
            let page = treem::cases::page(&store, &actor, &id, chrono::Utc::now()).await;
            store.close().await;
            let page = page?;
            if json {
                print_json(&page);
            } else {
                let c = &page.case;
                println!("Vụ việc {} — trẻ {}", c.number_text, c.child_name);
                println!("Tiếp nhận: {} ({}); loại: {}; môi trường: {}", c.received_text, c.channel.label(), c.abuse_type.label(), c.setting.label());
                println!("Bước hiện tại: {} (chu kỳ {})", page.stage.label(), page.cycle);
                for s in &page.steps {
                    println!("  {}  {} — {}", s.done_text, s.step.label(), s.done_by);
                }
                println!("Thời hạn:");
                for d in &page.deadlines {
                    println!("  {}  {} ({}) — {}", d.due_text, d.what, d.rule, d.state.label());
                }
            }
        }
        Command::Calendar { command: CalendarCommand::Due { from, working_days, db } } => {
            let from = text::parse_date("from", &from)?;
            let (store, actor) = db.open().await?;
            let due = treem::calendar::due(&store, &actor, from, working_days).await;
            store.close().await;
            let due = due?;
            println!("{} ({})", text::format_date(due.day), treem::calendar::weekday_name(due.day));
            if let Some(note) = due.note {
                println!("{note}");
            }
        }
        Command::Calendar { command: CalendarCommand::Show { year, json, db } } => {
            let (store, actor) = db.open().await?;
            let shown = treem::calendar::year(&store, &actor, year).await;
            store.close().await;
            print_calendar_year(&shown?, json)?;
        }
        Command::Calendar { command: CalendarCommand::Notice { year, text, db } } => {
            let (store, actor) = db.open().await?;
            let shown = treem::calendar::set_notice(&store, &actor, Source::Cli, year, &text).await;
            store.close().await;
            print_calendar_year(&shown?, false)?;
        }
        Command::Doc { command: DocCommand::CasePlan { case_id, db, out } } => {
            let (store, actor) = db.open().await?;
            let pdf = treem::documents::case_docs::form_pdf(&store, &actor, &case_id, treem::documents::case_docs::CaseForm::Plan).await;
            store.close().await;
            write_file(&out, &pdf?)?;
            println!("Đã ghi {}.", out.display());
        }
        Command::Demo { command: DemoCommand::Cases { db } } => {
            let (store, actor) = db.open().await?;
            let added = treem::cases::generate::add_demo(&store, &actor).await;
            store.close().await;
            println!("Đã thêm {} vụ việc hư cấu.", added?);
        }
        Command::Demo { command: DemoCommand::Children { n, db, seed } } => {
            let (store, actor) = db.open().await?;
            let added = children::generate::add(&store, &actor, n, seed, treem::today_in_vietnam()).await;
            store.close().await;
            println!("Đã thêm {} trẻ em hư cấu.", added?);
        }
        Command::Stats { db, from, to, json } => {
            let (from, to) = (text::parse_date("from", &from)?, text::parse_date("to", &to)?);
            let (store, actor) = db.open().await?;
            let stats = treem::stats::compute(&store, &actor, from, to).await;
            store.close().await;
            let stats = stats?;
            if json {
                print_json(&stats);
            } else {
                println!("Số liệu từ ngày {} đến ngày {}:", text::format_date(from), text::format_date(to));
                for i in &stats.indicators {
                    println!("\n{}  {}: {}", i.code, i.name, i.value_text);
                    for b in &i.breakdowns {
                        let parts: Vec<String> = b.rows.iter().map(|r| format!("{} {}", r.label, r.value_text)).collect();
                        println!("  {}: {}", b.title, parts.join("; "));
                    }
                }
            }
        }
        Command::Status { db, json, today } => {
            let today = match today {
                Some(t) => text::parse_date("today", &t)?,
                None => treem::today_in_vietnam(),
            };
            let (store, actor) = db.open().await?;
            let plan = plan::current(&store, &actor).await?.ok_or(treem::Error::NotFound { what: "kế hoạch nào" })?;
            let o = overview::overview(&store, &actor, &plan.id, today).await?;
            if json {
                print_json(&o);
            } else {
                println!("Ngày {}: {} việc sắp đến hạn, {} việc quá hạn.", text::format_date(today), o.due_soon.len(), o.late.len());
                for (title, items) in [("SẮP ĐẾN HẠN (14 ngày tới)", &o.due_soon), ("QUÁ HẠN", &o.late)] {
                    println!("\n{title}");
                    for i in items {
                        println!("  {}  {}  {} — {}", text::format_date(i.due_on), i.label, i.unit_name, short(&i.text, 70));
                    }
                }
            }
            store.close().await;
        }
    }
    Ok(())
}

/// Everyone a query finds, page after page.
async fn all_pages(store: &Store, actor: &Actor, mut q: children::index::ChildQuery) -> treem::Result<children::index::ChildList> {
    let today = treem::today_in_vietnam();
    q.offset = 0;
    q.limit = children::index::MAX_PAGE as u32;
    let mut all = children::index::search(store, actor, &q, today).await?;
    while (all.rows.len() as u32) < all.total {
        q.offset = all.rows.len() as u32;
        let next = children::index::search(store, actor, &q, today).await?;
        if next.rows.is_empty() {
            break;
        }
        all.rows.extend(next.rows);
    }
    Ok(all)
}

#[allow(clippy::too_many_arguments)]
async fn import_children(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    choice: &children::import::ImportChoice,
    dry_run: bool,
    skip_bad_rows: bool,
    json: bool,
    today: chrono::NaiveDate,
) -> treem::Result<()> {
    let preview = children::import::preview(store, actor, bytes, choice, today).await?;
    let stopped = !preview.problems.is_empty() && !skip_bad_rows;
    if json && (dry_run || stopped) {
        print_json(&preview);
    } else if !json {
        if let Some(e) = &preview.encoding {
            println!("{} {}", e.summary, e.evidence);
            for note in &e.notes {
                println!("{note}");
            }
        }
        for c in preview.columns.iter().filter(|c| c.legacy.is_some()) {
            let enc = c.legacy.map(|l| l.label()).unwrap_or_default();
            println!("Cột {} ({}): chuyển từ bảng mã {enc} sang Unicode, ví dụ: {}", c.letter, c.header, c.examples.join("; "));
        }
        for p in &preview.problems {
            println!("{}", p.message);
        }
        println!("Trang “{}”: {} dòng, {} dòng hợp lệ.", preview.sheet, preview.total_rows, preview.good_rows);
    }
    if stopped {
        let message = format!("{} (Dùng --skip-bad-rows để chỉ nhập các dòng hợp lệ.)", children::import::stopped(preview.total_rows - preview.good_rows));
        return Err(treem::Error::Invalid(text::InvalidInput::new("file", message)));
    }
    if dry_run {
        return Ok(());
    }
    let done = children::import::commit(store, actor, Source::Cli, bytes, choice, skip_bad_rows, today, &|_, _| {}).await?;
    if json {
        print_json(&done);
    } else {
        println!("Đã nhập {} trẻ; bỏ qua {} dòng có lỗi.", done.added, done.skipped);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    // `treem … | head`: when the reader stops, the command ends quietly as other command-line
    // tools do, instead of panicking on the next line it prints.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal, before any other thread prints.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::FAILURE
        }
    }
}
