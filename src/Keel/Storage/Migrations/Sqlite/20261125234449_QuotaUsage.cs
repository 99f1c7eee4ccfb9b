using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class QuotaUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "ix_quota_usage_period_end",
                table: "quota_usage",
                column: "period_end");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quota_usage");
        }
    }
}
