using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UsageCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "usage_failure_counts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    granularity = table.Column<int>(type: "INTEGER", nullable: false),
                    ts = table.Column<long>(type: "INTEGER", nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    prefix = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    node = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_failure_counts", x => new { x.tenant_id, x.granularity, x.ts, x.code, x.prefix, x.node });
                });

            migrationBuilder.CreateTable(
                name: "usage_key_counts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    key_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    granularity = table.Column<int>(type: "INTEGER", nullable: false),
                    ts = table.Column<long>(type: "INTEGER", nullable: false),
                    node = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    valid = table.Column<long>(type: "INTEGER", nullable: false),
                    revoked = table.Column<long>(type: "INTEGER", nullable: false),
                    expired = table.Column<long>(type: "INTEGER", nullable: false),
                    forbidden_scope = table.Column<long>(type: "INTEGER", nullable: false),
                    rate_limited = table.Column<long>(type: "INTEGER", nullable: false),
                    quota_exceeded = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_key_counts", x => new { x.tenant_id, x.key_id, x.granularity, x.ts, x.node });
                });

            migrationBuilder.CreateTable(
                name: "usage_rollup_marks",
                columns: table => new
                {
                    granularity = table.Column<int>(type: "INTEGER", nullable: false),
                    rolled_to = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_rollup_marks", x => x.granularity);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_failure_counts_granularity_ts",
                table: "usage_failure_counts",
                columns: new[] { "granularity", "ts" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_key_counts_granularity_ts",
                table: "usage_key_counts",
                columns: new[] { "granularity", "ts" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_key_counts_tenant_id_granularity_ts",
                table: "usage_key_counts",
                columns: new[] { "tenant_id", "granularity", "ts" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "usage_failure_counts");

            migrationBuilder.DropTable(
                name: "usage_key_counts");

            migrationBuilder.DropTable(
                name: "usage_rollup_marks");
        }
    }
}
