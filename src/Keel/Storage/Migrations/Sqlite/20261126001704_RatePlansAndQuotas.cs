using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RatePlansAndQuotas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "plan_id",
                table: "tenants",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "expiry_notice_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "plan_id",
                table: "api_keys",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "quota_limit",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "quota_period",
                table: "api_keys",
                type: "TEXT",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "rate_burst",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "rate_requests_per_second",
                table: "api_keys",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "refill_amount",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "refill_interval",
                table: "api_keys",
                type: "TEXT",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "refilled_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "remaining",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "quota_usage",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    period_end = table.Column<DateTime>(type: "TEXT", nullable: false),
                    used = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quota_usage", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "rate_plans",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    requests_per_second = table.Column<double>(type: "REAL", nullable: true),
                    burst = table.Column<long>(type: "INTEGER", nullable: true),
                    quota_period = table.Column<string>(type: "TEXT", maxLength: 8, nullable: true),
                    quota_limit = table.Column<long>(type: "INTEGER", nullable: true),
                    soft_limits = table.Column<string>(type: "TEXT", nullable: false),
                    hard_cap = table.Column<bool>(type: "INTEGER", nullable: false),
                    fail_open = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rate_plans", x => x.id);
                    table.ForeignKey(
                        name: "fk_rate_plans_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // The operator plans every installation starts with; an operator may edit or delete them.
            var seededAt = new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc);
            migrationBuilder.InsertData(
                table: "rate_plans",
                columns: new[] { "id", "name", "requests_per_second", "burst", "quota_period", "quota_limit", "soft_limits", "hard_cap", "fail_open", "created_at", "updated_at" },
                values: new object[,]
                {
                    { "plan_free", "free", 5.0, 10L, "month", 10000L, "[0.8,0.9]", true, true, seededAt, seededAt },
                    { "plan_pro", "pro", 50.0, 100L, "month", 1000000L, "[0.8,0.9]", true, true, seededAt, seededAt },
                    { "plan_enterprise", "enterprise", 500.0, 1000L, null, null, "[]", true, true, seededAt, seededAt },
                });

            migrationBuilder.CreateIndex(
                name: "ix_tenants_plan_id",
                table: "tenants",
                column: "plan_id");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_expiry_notice_due",
                table: "api_keys",
                column: "expires_at",
                filter: "expires_at IS NOT NULL AND expiry_notice_at IS NULL AND revoked_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_plan_id",
                table: "api_keys",
                column: "plan_id");

            migrationBuilder.CreateIndex(
                name: "ix_quota_usage_period_end",
                table: "quota_usage",
                column: "period_end");

            migrationBuilder.CreateIndex(
                name: "ix_rate_plans_tenant_id_id",
                table: "rate_plans",
                columns: new[] { "tenant_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quota_usage");

            migrationBuilder.DropTable(
                name: "rate_plans");

            migrationBuilder.DropIndex(
                name: "ix_tenants_plan_id",
                table: "tenants");

            migrationBuilder.DropIndex(
                name: "ix_api_keys_expiry_notice_due",
                table: "api_keys");

            migrationBuilder.DropIndex(
                name: "ix_api_keys_plan_id",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "plan_id",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "expiry_notice_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "plan_id",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "quota_limit",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "quota_period",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rate_burst",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rate_requests_per_second",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "refill_amount",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "refill_interval",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "refilled_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "remaining",
                table: "api_keys");
        }
    }
}
